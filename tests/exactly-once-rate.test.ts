/**
 * The relay's rate limit holds across workers: two workers (each a full
 * startWorkerProcess with its own Redis connections, both inside the test
 * process) share one limit in Redis, counted in messages (BullMQ's limiter
 * counts jobs).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { approveAndRun } from '../scripts/chaos-campaign.js';
import { RateLimiter } from '../src/send/rate-limiter.js';
import { RateLimitStore } from '../src/storage/rate-limit-store.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, startHarness } from './support/harness.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await harness?.close();
  harness = undefined;
});

describe('the rate limit', () => {
  it('holds the relay to RATE_LIMIT_PER_SECOND messages a second across two workers with their own Redis connections, in the test process', async () => {
    const rate = 5;
    harness = await startHarness('rate', { env: { RATE_LIMIT_PER_SECOND: String(rate), WORKER_CONCURRENCY: '4' } });
    const h = harness;
    await h.startWorker();
    await h.startWorker();
    const started = Date.now();
    // 10 authorities, a chief executive and a leader each: 20 messages, 8 sends at a time.
    await approveAndRun(
      h.config,
      await writeDataSet(
        join(h.dir, 'data'),
        Array.from({ length: 10 }, (_, i) => ({ id: `council-${i + 1}` })),
      ),
    );
    const totals = await h.waitIdle(10, CAMPAIGN);
    expect(totals).toMatchObject({ deliveries: 20, sent: 20 });

    const arrivals = h.sink.received.map((m) => m.receivedAt);
    expect(arrivals).toHaveLength(20);
    // 20 slots 1/rate apart: the last can arrive no sooner than 19/rate s after
    // the run began. A busy machine only makes it later; two unshared limits
    // (one per worker) would let it arrive in half that time.
    expect(Math.max(...arrivals) - started).toBeGreaterThanOrEqual((19 / rate) * 1000);
  }, 60_000);

  it('gives each caller its own slot, evenly spaced, however many limiters share it', async () => {
    const prefix = uniquePrefix('rate-unit');
    const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    cleanups.push(async () => {
      await cleanPrefix(prefix);
      a.disconnect();
      b.disconnect();
    });
    const [sa, sb] = [new RateLimitStore(a, prefix), new RateLimitStore(b, prefix)];
    const [la, lb] = [new RateLimiter(sa, 10), new RateLimiter(sb, 10)];
    const [seconds, micros] = await a.time();
    const before = Number(seconds) * 1_000_000 + Number(micros);
    // Reserve 12 slots from two connections, without waiting for them.
    const waits = (await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? la : lb).reserve()))).sort((x, y) => x - y);
    expect(waits[0]).toBe(0);
    // One shared schedule: the next free slot is 12 slots (1.2 s) past the
    // first, whenever the calls arrived; two separate limits would hold 0.6 s each.
    const nextSlot = Number(await a.get(sa.key));
    expect(nextSlot - before).toBeGreaterThanOrEqual(12 * 100_000);
    expect(sb.key).toBe(sa.key);
  });
});
