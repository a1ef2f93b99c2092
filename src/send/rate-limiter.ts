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
import type { RateLimitStore } from '../storage/rate-limit-store.js';

export class RateLimiter {
  private readonly spacingUs: number;

  /**
   * @param perSecond - messages a second across all workers, above 0 (RATE_LIMIT_PER_SECOND; 0 means no limiter: create none).
   */
  constructor(
    private readonly store: RateLimitStore,
    perSecond: number,
  ) {
    this.spacingUs = Math.max(1, Math.round(1_000_000 / perSecond));
  }

  /** Reserves the next free slot without waiting for it: resolves with the ms until it comes. */
  reserve(): Promise<number> {
    return this.store.reserve(this.spacingUs);
  }

  /** Reserves the next slot and waits for it. Resolves with the ms waited. */
  async acquire(): Promise<number> {
    const waitMs = await this.reserve();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    return waitMs;
  }
}
