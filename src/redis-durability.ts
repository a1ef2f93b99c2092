/**
 * Is this Redis safe to keep the ledger in? Exactly once rests on the ledger
 * surviving: a Redis that evicts keys under memory pressure, or keeps nothing
 * on disk, can forget that a letter was sent. `worker` and `run` check at
 * start-up and warn loudly; with REQUIRE_DURABLE_REDIS=1 they refuse.
 */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { ConfigError } from './domain/index.js';

/** What was found wrong; empty when the Redis is durable. */
export type DurabilityProblems = string[];

/**
 * Reads the settings with CONFIG GET, and from INFO where a managed Redis
 * disables CONFIG (what INFO cannot tell is left unjudged, not guessed).
 */
export async function durabilityProblems(redis: Redis): Promise<DurabilityProblems> {
  const settings = await readSettings(redis);
  const problems: DurabilityProblems = [];
  if (settings.maxmemoryPolicy !== undefined && settings.maxmemoryPolicy !== 'noeviction') {
    problems.push(
      `Redis maxmemory-policy is ${settings.maxmemoryPolicy}: under memory pressure it may evict ledger records and queued jobs (set maxmemory-policy noeviction)`,
    );
  }
  if (settings.appendOnly === false && settings.save === '') {
    problems.push('Redis keeps nothing on disk (appendonly no, save ""): a restart forgets every ledger record (set appendonly yes)');
  }
  return problems;
}

interface Settings {
  maxmemoryPolicy?: string;
  appendOnly?: boolean;
  /** The RDB save schedule; "" means none. Undefined when CONFIG is unavailable. */
  save?: string;
}

async function readSettings(redis: Redis): Promise<Settings> {
  try {
    const [policy, aof, save] = await Promise.all(
      ['maxmemory-policy', 'appendonly', 'save'].map((name) => redis.config('GET', name) as Promise<string[]>),
    );
    return { maxmemoryPolicy: policy?.[1], appendOnly: aof?.[1] === 'yes', save: save?.[1] };
  } catch {
    const info = `${await redis.info('memory')}\n${await redis.info('persistence')}`;
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const aof = field('aof_enabled');
    return { maxmemoryPolicy: field('maxmemory_policy'), appendOnly: aof === undefined ? undefined : aof === '1' };
  }
}

/**
 * Warns about each problem, or refuses (ConfigError, exit 2) when the
 * installation demands a durable Redis.
 */
export async function checkDurability(
  redis: Redis,
  config: Pick<Config, 'REQUIRE_DURABLE_REDIS'>,
  warn: (problem: string) => void,
): Promise<void> {
  const problems = await durabilityProblems(redis);
  if (problems.length === 0) return;
  if (config.REQUIRE_DURABLE_REDIS) {
    throw new ConfigError(`REQUIRE_DURABLE_REDIS=1 and this Redis is not durable:\n  ${problems.join('\n  ')}`);
  }
  for (const problem of problems) warn(problem);
}
