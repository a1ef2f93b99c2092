/**
 * Exactly once: the ledger's claims against races, retries, dead workers and
 * a Redis restart, on the real Redis and a real SMTP server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { approveAndRun } from '../scripts/chaos-campaign.js';
import { toReportRow } from '../src/cli/commands/report.js';
import { PrivateRedis } from '../src/demo/private-redis.js';
import { SmtpSink } from '../src/demo/smtp-sink.js';
import { createLogger } from '../src/logger.js';
import { createRedis } from '../src/redis.js';
import { letterJobId, letterJobOptions, openLettersQueue } from '../src/schedule/queues.js';
import { Ledger } from '../src/storage/ledger.js';
import { startWorkerProcess } from '../workers/worker-process.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, startHarness } from './support/harness.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** A connection and a ledger under a prefix of their own, both cleaned up after the test. */
function openLedger(name: string): { redis: Redis; ledger: Ledger } {
  const prefix = uniquePrefix(name);
  const redis = new Redis(REDIS_URL);
  cleanups.push(async () => {
    await cleanPrefix(prefix);
    redis.disconnect();
  });
  return { redis, ledger: new Ledger(redis, prefix, CAMPAIGN) };
}

describe('claiming a recipient', () => {
  it('lets exactly one of forty simultaneous claims from two connections through, and the rest wait for its lease', async () => {
    const prefix = uniquePrefix('claims');
    const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    cleanups.push(async () => {
      await cleanPrefix(prefix);
      a.disconnect();
      b.disconnect();
    });
    const [la, lb] = [new Ledger(a, prefix, CAMPAIGN), new Ledger(b, prefix, CAMPAIGN)];
    const delivery = { authorityId: 'alpha', recipient: 'ceo', role: 'ceo' as const, email: 'ceo@alpha.example.org', messageId: '<m@x>' };

    const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? la : lb).claim(delivery, `owner-${i}`, 60_000)));

    const winners = claims.flatMap((c, i) => (c.outcome === 'claimed' ? [`owner-${i}`] : []));
    expect(winners).toHaveLength(1);
    for (const c of claims) {
      if (c.outcome === 'claimed') continue;
      expect(c.outcome).toBe('held-by-other');
      if (c.outcome === 'held-by-other') expect(c.retryInMs).toBeGreaterThan(50_000);
    }
    expect(await la.counts()).toMatchObject({ queued: 0, sending: 1 });

    const winner = winners[0]!;
    expect((await lb.finish('alpha', 'ceo', 'owner-x', 'temporary-failure', { response: 'nope' })).ownedClaim).toBe(false);
    expect((await la.finish('alpha', 'ceo', winner, 'sent', { response: '250 ok' })).ownedClaim).toBe(true);
    // ioredis resends a script whose reply a Redis restart lost: the same finish again changes nothing.
    expect((await lb.finish('alpha', 'ceo', winner, 'sent', { response: '250 ok' })).ownedClaim).toBe(true);
    expect(await la.counts()).toMatchObject({ sending: 0, sent: 1 });
    expect((await lb.claim(delivery, 'late-owner', 60_000)).outcome).toBe('already-sent');
  });

  it('seeds each delivery once as queued, never over a record that exists, and claims a seeded one', async () => {
    const { redis, ledger } = openLedger('seed');
    const deliveries = Array.from({ length: 2_500 }, (_, i) => ({
      authorityId: `authority-${i}`,
      recipient: 'ceo',
      role: 'ceo' as const,
      email: `o'neill.${i}@authority-${i}.example.org`,
      messageId: `<2023-24.authority-${i}.ceo@example.org>`,
    }));
    expect(await ledger.seed(deliveries)).toBe(2_500);
    const first = JSON.parse((await redis.hget(ledger.key, 'authority-7/ceo'))!);
    expect(first).toEqual({ ...deliveries[7], status: 'queued', attempts: 0, queuedAt: expect.any(Number), updatedAt: first.queuedAt });
    expect(Math.abs(first.queuedAt - Date.now())).toBeLessThan(60_000);

    expect((await ledger.claim(deliveries[7]!, 'worker', 60_000)).outcome).toBe('claimed');
    expect(await ledger.seed(deliveries.slice(0, 10))).toBe(0);
    expect(JSON.parse((await redis.hget(ledger.key, 'authority-7/ceo'))!)).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await redis.hgetall(`${ledger.key}:counts`)).toEqual({ queued: '2499', sending: '1' });
  });

  it('flags a recovery only on the claim that takes over an expired lease', async () => {
    const { ledger } = openLedger('recover-flag');
    const delivery = { authorityId: 'alpha', recipient: 'ceo', role: 'ceo' as const, email: 'ceo@alpha.example.org', messageId: '<m@x>' };
    expect((await ledger.claim(delivery, 'dead-worker', 1_000)).outcome).toBe('claimed');
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const taken = await ledger.claim(delivery, 'second-worker', 60_000);
    expect(taken).toMatchObject({
      outcome: 'claimed',
      recoveredFrom: 'dead-worker',
      record: { attempts: 2, recoveredFrom: 'dead-worker' },
    });
    await ledger.finish('alpha', 'ceo', 'second-worker', 'temporary-failure', { response: '451 later' });
    const again = await ledger.claim(delivery, 'third-worker', 60_000);
    expect(again.outcome).toBe('claimed');
    expect(again.outcome === 'claimed' && again.recoveredFrom).toBeFalsy();
    // The report still shows the recipient needs checking.
    expect(again.record.recoveredFrom).toBe('dead-worker');
  });
});

describe('exactly once through the workers', () => {
  it('sends once when two workers race on one authority, each with its own job for it', async () => {
    // Each message takes 300 ms to be accepted, so the two jobs overlap.
    harness = await startHarness('race', {
      sink: { afterStore: () => ({ delayMs: 300 }) },
      env: { LEASE_MS: '1000', WORKER_CONCURRENCY: '1' },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }]);
    await harness.startWorker();
    await harness.startWorker();
    await approveAndRun(harness.config, data);
    // An operator (or a second fan-out under another id) adds a second job for the same authority.
    await harness.producer.letters.add(
      'letter',
      { campaign: CAMPAIGN, authorityId: 'alpha' },
      { ...letterJobOptions({ attempts: 5, backoffMs: 50 }), jobId: 'operator-copy-alpha' },
    );
    await harness.waitIdle(1, CAMPAIGN);

    const copies = countBy(harness.sink.received, (m) => m.letter);
    expect([...copies.entries()].sort()).toEqual([
      [`${CAMPAIGN}/alpha/ceo`, 1],
      [`${CAMPAIGN}/alpha/head`, 1],
      [`${CAMPAIGN}/alpha/mo-1`, 1],
    ]);
    for (const id of [letterJobId(CAMPAIGN, 'alpha'), 'operator-copy-alpha']) {
      expect(await (await harness.producer.letters.getJob(id))!.getState()).toBe('completed');
    }
    const ledger = harness.producer.ledger(CAMPAIGN);
    for (const r of ['ceo', 'head', 'mo-1']) expect(await ledger.get('alpha', r)).toMatchObject({ status: 'sent', attempts: 1 });
    // Every recipient was sent by one job and skipped by the other.
    const skipped = (await harness.deliveryLogLines()).filter((l) => l.event === 'delivery.skipped');
    expect(new Set(skipped.map((l) => l.recipient))).toEqual(new Set(['ceo', 'head', 'mo-1']));
  });

  it('sends nothing when an operator retries a completed job or a failed one', async () => {
    harness = await startHarness('operator-retry', {
      sink: { onRecipient: (address) => (address === 'mo@beta.example.org' ? { code: 550, message: '5.1.1 no such user' } : null) },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [
      { id: 'alpha' },
      { id: 'beta', monitoringOfficers: ['mo@beta.example.org'] },
    ]);
    await harness.startWorker();
    await approveAndRun(harness.config, data);
    await harness.waitIdle(2, CAMPAIGN);
    const letters = harness.producer.letters;
    const alpha = (await letters.getJob(letterJobId(CAMPAIGN, 'alpha')))!;
    const beta = (await letters.getJob(letterJobId(CAMPAIGN, 'beta')))!;
    expect([await alpha.getState(), await beta.getState()]).toEqual(['completed', 'failed']);
    const before = harness.sink.received.length;
    expect(before).toBe(4);

    await alpha.retry('completed');
    await beta.retry('failed');
    await expect.poll(async () => (await letters.getJob(alpha.id!))!.getState(), { timeout: 10_000 }).toBe('completed');
    await expect.poll(async () => (await letters.getJob(beta.id!))!.getState(), { timeout: 10_000 }).toBe('failed');

    expect(harness.sink.received).toHaveLength(before);
    expect((await letters.getJobLogs(alpha.id!)).logs.at(-1)).toMatch(/nothing to send/);
    expect((await letters.getJobLogs(beta.id!)).logs.at(-1)).toMatch(/ceo already-sent; head already-sent; mo-1 permanent-failure/);
    expect(await harness.producer.ledger(CAMPAIGN).get('beta', 'mo-1')).toMatchObject({ status: 'permanent-failure', attempts: 1 });
  });

  it('recovers a claim whose worker died once its lease runs out, sends the letter once, and says so in the log and the report', async () => {
    harness = await startHarness('lease', { env: { LEASE_MS: '1500' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await approveAndRun(harness.config, data);
    // A worker on another host claimed the chief executive, then died.
    const ledger = harness.producer.ledger(CAMPAIGN);
    const dead = 'other-host:4242:2023-24-alpha:deadbeef';
    const ceo = (await ledger.get('alpha', 'ceo'))!;
    expect((await ledger.claim(ceo, dead, 1_500)).outcome).toBe('claimed');

    await harness.startWorker();
    await harness.waitIdle(1, CAMPAIGN);

    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual([`${CAMPAIGN}/alpha/ceo`, `${CAMPAIGN}/alpha/head`]);
    const record = (await ledger.get('alpha', 'ceo'))!;
    expect(record).toMatchObject({ status: 'sent', attempts: 2, recoveredFrom: dead });
    expect(toReportRow(record).recovered).toBe(dead);
    expect(toReportRow((await ledger.get('alpha', 'head'))!).recovered).toBe('');
    const lines = await harness.deliveryLogLines();
    const recovered = lines.filter((l) => l.event === 'delivery.recovered');
    expect(recovered).toEqual([
      expect.objectContaining({ recipient: 'ceo', previousOwner: dead, messageId: record.messageId, attempt: 2 }),
    ]);
    // Waiting for the dead worker's lease spent none of the job's attempts.
    const job = (await harness.producer.letters.getJob(letterJobId(CAMPAIGN, 'alpha')))!;
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBeLessThanOrEqual(1);
  });

  it('loses no job and no ledger record when Redis restarts mid-run, and the workers carry on by themselves', async () => {
    const redis = new PrivateRedis({ appendOnly: true });
    await redis.start();
    cleanups.push(() => redis.destroy());
    // 40 ms to accept each message: the run lasts long enough to restart Redis in the middle of it.
    const sink = new SmtpSink({ afterStore: () => ({ delayMs: 40 }) });
    const smtpUrl = await sink.start();
    cleanups.push(() => sink.stop());
    const prefix = uniquePrefix('restart');
    const dir = await mkdtemp(join(tmpdir(), `arm-${prefix}-`));
    cleanups.push(async () => {
      await cleanPrefix(prefix).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    });
    const config = testConfig(prefix, {
      REDIS_URL: redis.url,
      SMTP_URL: smtpUrl,
      DELIVERY_LOG: join(dir, 'deliveries.log'),
      WORKER_CONCURRENCY: '2',
      LEASE_MS: '10000',
    });
    const worker = startWorkerProcess(config, { log: createLogger({ level: 'silent' }), echoDeliveries: false, shutdownTimeoutMs: 10_000 });
    cleanups.push(() => worker.close());
    await worker.ready;
    const ids = Array.from({ length: 30 }, (_, i) => `council-${i + 1}`);
    await approveAndRun(
      config,
      await writeDataSet(
        join(dir, 'data'),
        ids.map((id) => ({ id })),
      ),
    );

    await expect.poll(() => sink.received.length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(15);
    const restartedAt = Date.now();
    await redis.restart();

    const monitor = createRedis(redis.url, 'worker');
    monitor.on('error', () => {});
    const queue = openLettersQueue(monitor, prefix);
    cleanups.push(async () => {
      await queue.close();
      monitor.disconnect();
    });
    const ledger = new Ledger(monitor, prefix, CAMPAIGN);
    await expect
      .poll(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce((a, b) => a + b, 0), {
        timeout: 40_000,
        interval: 100,
      })
      .toBe(0);

    expect(await ledger.counts()).toMatchObject({ queued: 0, sending: 0, sent: 60, 'temporary-failure': 0, 'permanent-failure': 0 });
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 30, failed: 0 });
    const copies = countBy(sink.received, (m) => m.messageId);
    expect(copies.size).toBe(60);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(sink.received.filter((m) => m.receivedAt > restartedAt).length).toBeGreaterThan(0);
  }, 90_000);
});
