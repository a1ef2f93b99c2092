/**
 * A worker process SIGKILLed in the middle of a job: real `worker` processes,
 * the real Redis, a real SMTP server. Another worker takes the stalled job
 * over and finishes it. The second test pins down the one window the ledger
 * cannot close (README, "The one window"): killed after the relay stored the
 * letter but before the ledger said `sent`, the letter goes out once more,
 * with the same Message-ID, and the ledger and the log say so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { approveAndRun } from '../scripts/chaos-campaign.js';
import { ownerPid, spawnWorker, type WorkerChild } from '../scripts/chaos-workers.js';
import { toReportRow } from '../src/cli/commands/report.js';
import type { SmtpSinkOptions } from '../src/demo/smtp-sink.js';
import { letterJobId } from '../src/schedule/queues.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
const children: WorkerChild[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop(5_000)));
  await harness?.close();
  harness = undefined;
});

/** Fast stall detection and short leases, so a dead worker's job is picked up in seconds. */
function workerEnv(h: Harness, name: string): Record<string, string> {
  return {
    REDIS_URL: h.config.REDIS_URL,
    SMTP_URL: h.config.SMTP_URL!,
    QUEUE_PREFIX: h.prefix,
    DELIVERY_LOG: join(h.dir, `${name}.log`),
    EVIDENCE_DIR: h.config.EVIDENCE_DIR,
    LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: '1',
    BACKOFF_MS: '50',
    LEASE_MS: '2000',
    JOB_LOCK_MS: '2000',
    STALLED_INTERVAL_MS: '1000',
  };
}

async function logLines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs one authority on worker A, which the sink kills at `kill`; worker B then finishes the job. */
async function killOneWorker(name: string, killPoint: (kill: () => void) => SmtpSinkOptions) {
  let victim: WorkerChild | undefined;
  let killedAt = 0;
  const kill = () => {
    if (killedAt || !victim) return;
    victim.kill('SIGKILL');
    killedAt = Date.now();
  };
  harness = await startHarness(name, { sink: killPoint(kill) });
  const h = harness;
  const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha' }]);
  victim = spawnWorker({ env: workerEnv(h, 'worker-a') });
  children.push(victim);
  await victim.ready;
  await approveAndRun(h.config, data);
  expect(await victim.exited).toBeNull();

  const rescuer = spawnWorker({ env: workerEnv(h, 'worker-b'), keep: ['delivery.recovered'] });
  children.push(rescuer);
  const job = letterJobId(CAMPAIGN, 'alpha');
  await expect.poll(async () => (await h.producer.letters.getJob(job))?.getState(), { timeout: 60_000, interval: 200 }).toBe('completed');
  await rescuer.stop();
  return { victimPid: victim.pid, killedAt, rescuerLog: await logLines(join(h.dir, 'worker-b.log')) };
}

describe('a worker killed mid-job', () => {
  it('is replaced by another worker that takes the stalled job over and sends each letter once', async () => {
    // Killed while the relay is answering RCPT TO for the chief executive: nothing was stored.
    const run = await killOneWorker('killed-mid-send', (kill) => ({
      onRecipient: (address) => {
        if (address === 'ceo@alpha.example.org') kill();
        return null;
      },
    }));
    const h = harness!;
    expect(h.sink.received.map((m) => m.letter).sort()).toEqual([`${CAMPAIGN}/alpha/ceo`, `${CAMPAIGN}/alpha/head`]);
    const ceo = (await h.producer.ledger(CAMPAIGN).get('alpha', 'ceo'))!;
    expect(ceo).toMatchObject({ status: 'sent', attempts: 2 });
    expect(ownerPid(ceo.recoveredFrom)).toBe(run.victimPid);
    expect(run.rescuerLog.filter((l) => l.event === 'delivery.recovered')).toEqual([
      expect.objectContaining({ recipient: 'ceo', messageId: ceo.messageId, previousOwner: ceo.recoveredFrom }),
    ]);
  }, 120_000);

  it('sends the letter again, with the same Message-ID and marked recovered, when killed between the relay storing it and the ledger saying sent', async () => {
    // The relay has stored the chief executive's letter; the worker dies before it hears 250.
    const run = await killOneWorker('killed-in-window', (kill) => ({
      afterStore: (message) => {
        if (!message.letter.endsWith('/alpha/ceo')) return null;
        kill();
        return { delayMs: 200 };
      },
    }));
    const h = harness!;
    const ceoCopies = h.sink.received.filter((m) => m.letter === `${CAMPAIGN}/alpha/ceo`);
    expect(ceoCopies).toHaveLength(2);
    expect(ceoCopies[0]!.messageId).toBe(ceoCopies[1]!.messageId);
    expect(ceoCopies[0]!.receivedAt).toBeLessThanOrEqual(run.killedAt);
    expect(h.sink.received.filter((m) => m.letter === `${CAMPAIGN}/alpha/head`)).toHaveLength(1);

    const ceo = (await h.producer.ledger(CAMPAIGN).get('alpha', 'ceo'))!;
    expect(ceo).toMatchObject({ status: 'sent', attempts: 2, messageId: ceoCopies[0]!.messageId });
    expect(ownerPid(ceo.recoveredFrom)).toBe(run.victimPid);
    // What an operator sees: the report's recovered column, and the delivery log line.
    expect(toReportRow(ceo).recovered).toBe(ceo.recoveredFrom);
    expect(run.rescuerLog.filter((l) => l.event === 'delivery.recovered')).toEqual([
      expect.objectContaining({ recipient: 'ceo', messageId: ceo.messageId }),
    ]);
  }, 120_000);
});
