/**
 * Redis connections, of three kinds. As BullMQ's production guide advises,
 * producers (CLI commands) fail fast when Redis is away, and workers wait for
 * it to come back, however long that takes. Servers (the console, the
 * register server, the bounce listener) are both: they never give up on Redis, reconnecting with
 * backoff for as long as they run, but a request made while it is away fails
 * at once (no offline queue), so the server answers 503 instead of hanging
 * or, once a producer's connection has given up for good, 500 for ever.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { EVENT, RedisUnavailableError } from './domain/index.js';
import { redactText } from './logger.js';

export type ConnectionRole = 'producer' | 'server' | 'worker';

/** Backoff between reconnection attempts of a connection that never gives up: 100 ms more each time, at most 2 s. */
const reconnectForever = (times: number) => Math.min(times * 100, 2_000);

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
  const retryStrategy = role === 'producer' ? (times: number) => (times > 3 ? null : 200) : reconnectForever;
  const options: RedisOptions = {
    // A worker's command waits for Redis; a server's fails at once while Redis is away, and so is answered 503.
    maxRetriesPerRequest: role === 'worker' ? null : role === 'server' ? 0 : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy,
    lazyConnect: role !== 'worker',
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
export function connectProducer(target: RedisTarget): Promise<Redis> {
  return connectFirst(target, 'producer');
}

/**
 * Connects a long-running server's connection: the first connection must
 * succeed (a wrong REDIS_URL stops the server at start, with the same message
 * as a producer's); after that it reconnects for as long as the process runs.
 * Every error is heard (no "Unhandled error event"): the first of each outage
 * is logged as `redis.error`, and the return as `redis.reconnected`.
 */
export async function connectServer(target: RedisTarget, log: Logger): Promise<Redis> {
  const redis = await connectFirst(target, 'server');
  let away = false;
  redis.on('error', (error: Error) => {
    if (away) return;
    away = true;
    log.warn({ event: EVENT.redisError, err: { message: redactText(error.message) } }, 'redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (!away) return;
    away = false;
    log.info({ event: EVENT.redisReconnected }, 'redis connection back');
  });
  return redis;
}

/** Whether an error is a connection's: Redis went away, or was away, while the command was being made. */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /^(Connection is closed\.|Stream isn't writeable|connect ECONNREFUSED|read ECONNRESET|write EPIPE)/.test(error.message)
  );
}

/** Whether a server's request failed because Redis is away (its connection is not ready, or the error is a connection's). */
export function isRedisAway(redis: Redis, error?: unknown): boolean {
  return redis.status !== 'ready' || isRedisConnectionError(error);
}

/** Seconds a client is told to wait (Retry-After) while Redis is away: about as long as a reconnection takes. */
export const REDIS_AWAY_RETRY_AFTER_S = 5;

async function connectFirst(target: RedisTarget, role: 'producer' | 'server'): Promise<Redis> {
  const redis = createRedis(target, role);
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
