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
import { StorageKeys } from '../storage/keys.js';
import { type StorageCommands, withStorageCommands } from '../storage/scripts.js';

export interface RateLimiterOptions {
  /** Messages a second across all workers; must be above 0 (0 means no limiter at all: do not create one). */
  perSecond: number;
  /** QUEUE_PREFIX: one limiter per installation (StorageKeys.rateLimit) (one relay). */
  prefix: string;
}

export class RateLimiter {
  private readonly redis: Redis & StorageCommands;
  private readonly spacingUs: number;
  readonly key: string;

  constructor(redis: Redis, options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new Error('RateLimiter needs a rate above 0');
    // The reservation is one script, src/storage/lua/rate-reserve-1.lua.
    this.redis = withStorageCommands(redis);
    this.spacingUs = Math.max(1, Math.round(1_000_000 / options.perSecond));
    this.key = new StorageKeys(options.prefix).rateLimit();
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
