/**
 * The relay's rate limit holds across workers: two worker processes share one
 * limit in Redis, counted in messages (BullMQ's limiter counts jobs).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/send/rate-limiter.js';
import { approveAndRun } from '../scripts/chaos-campaign.js';
import { writeDataSet } from './support/data-set.js';
import { startHarness, type Harness } from './support/harness.js';
import { REDIS_URL, cleanPrefix, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await harness?.close();
  harness = undefined;
});

/** How many of these instants fall in each whole second. */
function perSecond(times: number[]): number[] {
  const windows = new Map<number, number>();
  for (const t of times) windows.set(Math.floor(t / 1000), (windows.get(Math.floor(t / 1000)) ?? 0) + 1);
  return [...windows.values()];
}

describe('the rate limit', () => {
  it('holds the relay to RATE_LIMIT_PER_SECOND messages a second across two worker processes', async () => {
    const rate = 5;
    harness = await startHarness('rate', { env: { RATE_LIMIT_PER_SECOND: String(rate), WORKER_CONCURRENCY: '4' } });
    const h = harness;
    await h.startWorker();
    await h.startWorker();
    // 10 authorities, a chief executive and a leader each: 20 messages, 8 sends at a time.
    await approveAndRun(h.config, await writeDataSet(join(h.dir, 'data'), Array.from({ length: 10 }, (_, i) => ({ id: `council-${i + 1}` }))));
    const totals = await h.waitIdle(10, CAMPAIGN);
    expect(totals).toMatchObject({ deliveries: 20, sent: 20 });

    const arrivals = h.sink.received.map((m) => m.receivedAt);
    expect(arrivals).toHaveLength(20);
    // Slots are 1/rate apart; a message granted just before a second ends may
    // arrive just after it, so a window can see one more than the rate; two
    // unshared limits would let through twice the rate.
    const windows = perSecond(arrivals);
    expect(Math.max(...windows)).toBeLessThanOrEqual(rate + 1);
    expect(windows.length).toBeGreaterThanOrEqual(Math.ceil(20 / (rate + 1)));
  }, 60_000);

  it('gives each caller its own slot, evenly spaced, however many limiters share it', async () => {
    const prefix = uniquePrefix('rate-unit');
    const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    cleanups.push(async () => {
      await cleanPrefix(prefix);
      a.disconnect();
      b.disconnect();
    });
    const [la, lb] = [new RateLimiter(a, { perSecond: 10, prefix }), new RateLimiter(b, { perSecond: 10, prefix })];
    // Reserve 12 slots at once from two connections, without waiting for them.
    const waits = (await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? la : lb).reserve()))).sort((x, y) => x - y);
    // Slot n is n x 100 ms after the first, so its wait is at most that (less
    // however much later than the first call it arrived); the twelfth is more
    // than a second away, unless the calls took 100 ms to arrive.
    expect(waits[0]).toBe(0);
    waits.forEach((w, n) => expect(w).toBeLessThanOrEqual(n * 100));
    expect(waits[11]).toBeGreaterThan(1_000);
  });
});
