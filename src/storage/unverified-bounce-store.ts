/**
 * Unverified bounces, kept per campaign for an operator to read (the report,
 * the console): a list per ledger namespace, newest first, capped, so a flood
 * of forgeries costs a bounded amount of Redis and pushes out only the oldest
 * rows; beside it the number ever recorded, so a reader can say how many the
 * cap dropped.
 */
import type { Redis } from 'ioredis';
import type { UnverifiedBounce } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeUnverifiedBounce, encodeUnverifiedBounce } from './records.js';

export interface UnverifiedBounces {
  /** Newest first; at most the cap. */
  rows: UnverifiedBounce[];
  /** How many were ever recorded for the campaign: more than `rows.length` when the cap dropped some. */
  total: number;
}

export class UnverifiedBounceStore {
  private readonly keys: StorageKeys;

  /**
   * @param maxPerCampaign - BOUNCE_UNVERIFIED_MAX: rows kept per ledger namespace; older ones are dropped.
   */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly maxPerCampaign: number,
  ) {
    this.keys = new StorageKeys(prefix);
  }

  async add(bounce: UnverifiedBounce): Promise<void> {
    const list = this.keys.unverifiedBounces(bounce.campaign);
    await this.redis
      .multi()
      .lpush(list, encodeUnverifiedBounce(bounce))
      .ltrim(list, 0, this.maxPerCampaign - 1)
      .incr(this.keys.unverifiedBouncesTotal(bounce.campaign))
      .exec()
      .then(failedIn);
  }

  /** The unverified bounces of one ledger namespace (the campaign id, or "<id>~test"), newest first. */
  async read(namespace: string, limit: number = this.maxPerCampaign): Promise<UnverifiedBounces> {
    const [rows, total] = await Promise.all([
      this.redis.lrange(this.keys.unverifiedBounces(namespace), 0, Math.max(0, limit - 1)),
      this.redis.get(this.keys.unverifiedBouncesTotal(namespace)),
    ]);
    return { rows: rows.map(decodeUnverifiedBounce), total: Number(total ?? 0) };
  }

  /** Removes one namespace's rows (discarding a test run, tests). */
  async destroy(namespace: string): Promise<void> {
    await this.redis.del(this.keys.unverifiedBounces(namespace), this.keys.unverifiedBouncesTotal(namespace));
  }
}

/** MULTI answers each command's error in its results rather than rejecting: a failed write must not pass as kept. */
function failedIn(results: Array<[Error | null, unknown]> | null): void {
  if (!results) throw new Error('unverified bounce: the transaction was discarded');
  const error = results.find(([e]) => e)?.[0];
  if (error) throw error;
}
