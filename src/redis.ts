/**
 * Redis connections. Two kinds, as BullMQ's production guide advises:
 * producers (CLI commands, the UI) fail fast when Redis is away; workers wait
 * for it to come back, however long that takes. A third for servers that
 * answer someone (the bounce listener): reconnect for ever as a worker does,
 * but fail a command at once while Redis is away, so the answer can be
 * "try again later" rather than a wait the client gives up on.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';
import { RedisUnavailableError } from './domain/index.js';
import { redactText } from './logger.js';

export type ConnectionRole = 'producer' | 'worker' | 'server';

/**
 * Where Redis is: REDIS_URL alone, or REDIS_URL's password, database and TLS
 * with the primary found through Sentinel. A plain URL string means the former.
 */
export type RedisTarget = string | { url: string; sentinels: Array<{ host: string; port: number }>; name: string };

/** The Redis every process of this installation uses, from the settings. */
export function redisTarget(config: Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME'>): RedisTarget {
  if (!config.REDIS_SENTINELS || !config.REDIS_SENTINEL_NAME) return config.REDIS_URL;
  return { url: config.REDIS_URL, sentinels: config.REDIS_SENTINELS, name: config.REDIS_SENTINEL_NAME };
}

/** Opens a connection; credentials and TLS come from the URL, the primary from Sentinel when configured. */
export function createRedis(target: RedisTarget, role: ConnectionRole): Redis {
  // Workers and servers reconnect forever, backing off to 2 s between tries; producers give up after a few.
  const retryStrategy = role !== 'producer' ? (times: number) => Math.min(times * 100, 2_000) : (times: number) => (times > 3 ? null : 200);
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy,
    lazyConnect: role === 'producer',
  };
  if (typeof target === 'string') return new Redis(target, options);
  const url = new URL(target.url);
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number(url.pathname.slice(1) || 0),
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // Ask the sentinels again after a failover, as long as a worker would wait for Redis.
    sentinelRetryStrategy: retryStrategy,
    // Sentinel's +switch-master makes every connection move to the new primary at once.
    failoverDetector: true,
    // A primary demoted to replica answers writes with READONLY: reconnect, and find the new one.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  });
}

/** Where a target points, for messages: host:port, or the sentinels and master name. */
function describeTarget(target: RedisTarget): string {
  if (typeof target !== 'string') return `Sentinel ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} master ${target.name}`;
  const where = new URL(target);
  return `${where.hostname}:${where.port || 6379}`;
}

/** Connects a producer, turning a refused, unauthorised or untrusted connection into a message an operator can act on. */
export async function connectProducer(target: RedisTarget): Promise<Redis> {
  const redis = createRedis(target, 'producer');
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
    throw new RedisUnavailableError(
      `cannot reach Redis at ${describeTarget(target)} (${redactText((cause ?? (error as Error)).message)}); ` +
        'check REDIS_URL, or start Redis (apt-get install redis-server, or docker compose up -d redis)',
    );
  }
}

/**
 * Closes a connection politely (QUIT: pending replies first), then for good:
 * ioredis's QUIT leaves a Sentinel connection's failover watch (its own
 * connections to the sentinels) open, and only `disconnect` ends it. Without
 * it a process does not exit, and retries the sentinels once they are gone.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => {});
  redis.disconnect();
}
