/**
 * The circuit breaker: a relay that fails every send pauses the letters
 * queue instead of burning every job's attempts; the queue resumes after the
 * cool-down, or as soon as an operator resumes it. Real Redis, real SMTP.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { approveAndRun } from '../scripts/chaos-campaign.js';
import { createLogger } from '../src/logger.js';
import { openLettersQueue } from '../src/schedule/queues.js';
import { CircuitBreaker } from '../src/send/circuit-breaker.js';
import { BreakerStore } from '../src/storage/breaker-store.js';
import { startWorkerProcess, type WorkerProcess } from '../workers/worker-process.js';
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

/** A logger whose lines the test can read. */
function capturedLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

describe('the circuit breaker', () => {
  it("pauses the queue when sends fail in a row, says why, and resumes after the cool-down without spending the jobs' attempts", async () => {
    let relayDown = true;
    harness = await startHarness('breaker', {
      sink: { onMailFrom: () => (relayDown ? { code: 421, message: '4.3.2 service not available' } : null) },
      // Two attempts only: without the breaker, the outage alone would fail every job.
      env: { BREAKER_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '1500', SEND_ATTEMPTS: '2', BACKOFF_MS: '50', WORKER_CONCURRENCY: '1' },
    });
    const h = harness;
    const { log, lines } = capturedLog();
    const worker: WorkerProcess = startWorkerProcess(h.config, { log, echoDeliveries: false, shutdownTimeoutMs: 10_000 });
    cleanups.push(() => worker.close());
    await worker.ready;
    const authorities = ['alpha', 'beta', 'gamma', 'delta'];
    await approveAndRun(
      h.config,
      await writeDataSet(
        join(h.dir, 'data'),
        authorities.map((id) => ({ id })),
      ),
    );

    await expect.poll(() => lines.find((l) => l.event === 'breaker.open'), { timeout: 15_000, interval: 20 }).toBeTruthy();
    expect(await h.producer.letters.isPaused()).toBe(true);
    const opened = lines.find((l) => l.event === 'breaker.open')!;
    expect(opened).toMatchObject({ threshold: 3, cooldownMs: 1500 });
    expect(opened.failures).toBeGreaterThanOrEqual(3);
    expect(String(opened.msg)).toMatch(/sends in a row failed transiently \(last: 421 .*service not available\)/);
    expect(await new BreakerStore(h.producer.redis, h.prefix).read()).toMatchObject({ state: 'open', opens: 1 });
    relayDown = false;

    const totals = await h.waitIdle(authorities.length, CAMPAIGN);
    expect(totals).toMatchObject({ deliveries: 8, sent: 8, temporaryFailures: 0, permanentFailures: 0 });
    expect(lines.find((l) => l.event === 'breaker.closed')).toMatchObject({ by: 'cool-down' });
    expect(await h.producer.letters.isPaused()).toBe(false);
    expect(await new BreakerStore(h.producer.redis, h.prefix).read()).toMatchObject({
      state: 'closed',
      opens: 1,
      failures: 0,
      closedBy: 'cool-down',
    });
    expect(await h.producer.letters.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 0 });
    const counts = new Map<string, number>();
    for (const m of h.sink.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    expect(counts.size).toBe(8);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(lines.some((l) => l.event === 'job.deferred' && l.reason === 'breaker-open')).toBe(true);
  }, 60_000);

  it('resumes at once when an operator resumes the queue, bringing back the jobs it had deferred', async () => {
    let relayDown = true;
    harness = await startHarness('breaker-operator', {
      sink: { onMailFrom: () => (relayDown ? { code: 421, message: '4.3.2 service not available' } : null) },
      env: { BREAKER_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '60000', SEND_ATTEMPTS: '2', BACKOFF_MS: '50', WORKER_CONCURRENCY: '2' },
    });
    const h = harness;
    const { log, lines } = capturedLog();
    const worker = startWorkerProcess(h.config, { log, echoDeliveries: false, shutdownTimeoutMs: 10_000 });
    cleanups.push(() => worker.close());
    await worker.ready;
    const authorities = ['alpha', 'beta', 'gamma', 'delta'];
    await approveAndRun(
      h.config,
      await writeDataSet(
        join(h.dir, 'data'),
        authorities.map((id) => ({ id })),
      ),
    );
    await expect.poll(() => lines.some((l) => l.event === 'breaker.open'), { timeout: 15_000, interval: 20 }).toBe(true);
    await expect.poll(() => h.producer.letters.getJobCounts('active'), { timeout: 10_000, interval: 20 }).toEqual({ active: 0 });
    expect(lines.some((l) => l.event === 'job.deferred' && l.reason === 'breaker-open')).toBe(true);

    // The relay is back; the operator does not wait a minute for the cool-down.
    relayDown = false;
    const resumedAt = Date.now();
    await h.producer.letters.resume();
    const totals = await h.waitIdle(authorities.length, CAMPAIGN);

    expect(totals).toMatchObject({ deliveries: 8, sent: 8 });
    expect(Date.now() - resumedAt).toBeLessThan(30_000);
    expect(lines.find((l) => l.event === 'breaker.closed')).toMatchObject({ by: 'operator' });
    expect((lines.find((l) => l.event === 'breaker.closed')!.promoted as number) > 0).toBe(true);
    expect(await h.producer.letters.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 0 });
  }, 60_000);

  describe('driven directly', () => {
    async function setUp(cooldownMs: number) {
      const prefix = uniquePrefix('breaker-unit');
      const redis = new Redis(REDIS_URL);
      const queue = openLettersQueue(redis, prefix);
      const { log, lines } = capturedLog();
      const breaker = new CircuitBreaker({
        store: new BreakerStore(redis, prefix),
        threshold: 3,
        cooldownMs,
        who: 'test-worker',
        queue,
        log,
      });
      cleanups.push(async () => {
        breaker.stop();
        await queue.close();
        await cleanPrefix(prefix);
        redis.disconnect();
      });
      return { prefix, redis, queue, breaker, lines };
    }

    it('counts failures in a row across workers: a success in between starts the count again', async () => {
      const { prefix, redis, queue, breaker } = await setUp(60_000);
      await breaker.record(['transient', 'transient']);
      await breaker.record(['ok']);
      await breaker.record(['transient', 'transient']);
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'closed', failures: 2, opens: 0 });
      expect(await queue.isPaused()).toBe(false);
      await breaker.record(['transient'], '451 4.3.0 try later');
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'open', failures: 3, opens: 1 });
      expect((await new BreakerStore(redis, prefix).read()).reason).toMatch(/3 sends in a row failed transiently; last: 451/);
      expect(await queue.isPaused()).toBe(true);
      expect(breaker.openForMs()).toBeGreaterThan(50_000);
    });

    it('closes as soon as an operator resumes the queue in the UI, and leaves the queue as the operator set it', async () => {
      const { prefix, redis, queue, breaker, lines } = await setUp(60_000);
      await breaker.record(['transient', 'transient', 'transient'], '421 down');
      expect(await queue.isPaused()).toBe(true);
      await breaker.check();
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'open' });

      await queue.resume();
      await breaker.check();
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'closed', closedBy: 'operator', failures: 0 });
      expect(lines.find((l) => l.event === 'breaker.closed')).toMatchObject({ by: 'operator' });
      expect(await queue.isPaused()).toBe(false);
      expect(breaker.openForMs()).toBe(0);
    });

    it('does not resume a queue an operator had paused before the breaker opened', async () => {
      const { prefix, redis, queue, breaker } = await setUp(200);
      await queue.pause();
      await breaker.record(['transient', 'transient', 'transient'], '421 down');
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'open' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await breaker.check();
      expect(await new BreakerStore(redis, prefix).read()).toMatchObject({ state: 'closed', closedBy: 'cool-down' });
      expect(await queue.isPaused()).toBe(true);
    });
  });
});
