/**
 * The relay's rate limit in Redis (StorageKeys.rateLimit): one key holding
 * the next free send slot, shared by every worker on every host. Reserving a
 * slot is one script (src/storage/lua/rate-reserve-1.lua); waiting for it is
 * src/send/rate-limiter.ts.
 */
import type { Redis } from 'ioredis';
import { StorageKeys } from './keys.js';
import { type StorageCommands, withStorageCommands } from './scripts.js';

export class RateLimitStore {
  private readonly redis: Redis & StorageCommands;
  readonly key: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = withStorageCommands(redis);
    this.key = new StorageKeys(prefix).rateLimit();
  }

  /** Reserves the slot `spacingUs` after the last one reserved (or now): resolves with the ms until it comes. */
  async reserve(spacingUs: number): Promise<number> {
    return this.redis.arm_rate_reserve(this.key, String(spacingUs));
  }
}
