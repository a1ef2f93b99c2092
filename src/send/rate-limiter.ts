/**
 * The relay's rate limit, shared by every worker on every host: at most N
 * messages a second, evenly spaced.
 *
 * BullMQ's own limiter counts jobs, and one job sends to one to five
 * recipients, so it cannot express "messages a second". This one is a GCRA
 * (the "virtual scheduling" form of a leaky bucket) kept in one Redis key: each
 * send reserves the next free slot, `1/N` s after the previous one, and waits
 * for it. Slots are spaced on Redis's clock, so any one-second window holds at
 * most N reservations, whichever workers made them; there is no burst at the
 * turn of a second for a relay that counts in sliding windows.
 *
 * A worker that dies after reserving wastes its slot: the limit errs on the
 * slow side, never the fast one.
 */
import type { Redis } from 'ioredis';

/** KEYS[1] the limiter; ARGV[1] the spacing in µs. Returns the ms to wait for the reserved slot. */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local nextSlot = slot + spacing
redis.call('SET', KEYS[1], string.format('%.0f', nextSlot), 'PX', math.ceil((nextSlot - now) / 1000) + 1000)
return math.ceil((slot - now) / 1000)
`;

interface LimiterCommands {
  arm_rate_reserve(key: string, spacingUs: string): Promise<number>;
}

export interface RateLimiterOptions {
  /** Messages a second across all workers; must be above 0 (0 means no limiter at all: do not create one). */
  perSecond: number;
  /** QUEUE_PREFIX: the limiter is `<prefix>:rate-limit`, one per installation (one relay). */
  prefix: string;
}

export class RateLimiter {
  private readonly redis: Redis & LimiterCommands;
  private readonly spacingUs: number;
  readonly key: string;

  constructor(redis: Redis, options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new Error('RateLimiter needs a rate above 0');
    if (!('arm_rate_reserve' in redis)) redis.defineCommand('arm_rate_reserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    this.redis = redis as Redis & LimiterCommands;
    this.spacingUs = Math.max(1, Math.round(1_000_000 / options.perSecond));
    this.key = `${options.prefix}:rate-limit`;
  }

  /** Reserves the next free slot without waiting for it: resolves with the ms until it comes. */
  async reserve(): Promise<number> {
    return this.redis.arm_rate_reserve(this.key, String(this.spacingUs));
  }

  /** Reserves the next slot and waits for it. Resolves with the ms waited. */
  async acquire(): Promise<number> {
    const waitMs = await this.reserve();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    return waitMs;
  }
}
