/**
 * Redis connections. Two kinds, as BullMQ's production guide advises:
 * producers (CLI commands, the UI) fail fast when Redis is away; workers wait
 * for it to come back, however long that takes.
 */
import { Redis } from 'ioredis';
import { redactText } from './logger.js';

/** Redis did not answer, or refused us; the message says why and what to do, without credentials. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export type ConnectionRole = 'producer' | 'worker';

/** Opens a connection from a redis:// or rediss:// (TLS) URL; credentials come from the URL. */
export function createRedis(url: string, role: ConnectionRole): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    // Workers reconnect forever, backing off to 2 s between tries.
    retryStrategy: role === 'worker' ? (times) => Math.min(times * 100, 2_000) : (times) => (times > 3 ? null : 200),
    lazyConnect: role === 'producer',
  });
}

/** Connects a producer, turning a refused, unauthorised or untrusted connection into a message an operator can act on. */
export async function connectProducer(url: string): Promise<Redis> {
  const redis = createRedis(url, 'producer');
  // ioredis reports the real cause (WRONGPASS, a certificate error) as an 'error' event, not as the rejection.
  let cause: Error | undefined;
  const onError = (error: Error) => {
    cause ??= error;
  };
  redis.on('error', onError);
  try {
    await redis.connect();
    await redis.ping();
    redis.off('error', onError);
    return redis;
  } catch (error) {
    redis.disconnect();
    const where = new URL(url);
    throw new RedisUnavailableError(
      `cannot reach Redis at ${where.hostname}:${where.port || 6379} (${redactText((cause ?? (error as Error)).message)}); ` +
        'check REDIS_URL, or start Redis (apt-get install redis-server, or docker compose up -d redis)',
    );
  }
}

/** Deletes every key under one prefix (SCAN + UNLINK): never FLUSHALL a Redis that may be shared. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
