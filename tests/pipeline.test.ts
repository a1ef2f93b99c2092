/**
 * The annual run end to end, on the real Redis and a real SMTP server.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { letterJobId } from '../src/schedule/queues.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the annual run', () => {
  it('sends one message to every recipient and records each in the ledger and the delivery log', async () => {
    harness = await startHarness('pipeline');
    const data = await writeDataSet(join(harness.dir, 'data'), [
      { id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org', 'mo2@alpha.example.org'] },
      { id: 'beta', head: false, stats: [10, 7, 5, 4, 1] },
      { id: 'gamma', kind: 'fire-and-rescue', monitoringOfficers: ['mo@gamma.example.org'] },
    ]);
    await harness.startWorker();
    await approve(harness.config, data);
    const run = await runCommand({ data, wait: false }, harness.config, quietPrint);
    expect(run).toMatchObject({ added: 3, existing: 0 });
    const totals = await harness.waitIdle(3, CAMPAIGN);

    const expected = ['alpha/ceo', 'alpha/head', 'alpha/mo-1', 'alpha/mo-2', 'beta/ceo', 'gamma/ceo', 'gamma/head', 'gamma/mo-1'];
    expect(harness.sink.received.map((m) => m.letter.replace(`${CAMPAIGN}/`, '')).sort()).toEqual(expected);
    expect(totals).toMatchObject({ deliveries: 8, sent: 8, pending: 0, temporaryFailures: 0, permanentFailures: 0 });

    const records = [];
    for await (const r of harness.producer.ledger(CAMPAIGN).records()) records.push(r);
    expect(records.map((r) => `${r.authorityId}/${r.recipient}`).sort()).toEqual(expected);
    const receivedIds = new Set(harness.sink.received.map((m) => m.messageId));
    for (const r of records) {
      expect(r.status).toBe('sent');
      expect(r.attempts).toBe(1);
      expect(receivedIds.has(r.messageId)).toBe(true);
    }

    const sentLines = (await harness.deliveryLogLines()).filter((l) => l.event === 'delivery.sent');
    expect(sentLines.map((l) => l.messageId).sort()).toEqual([...receivedIds].sort());
    for (const line of sentLines) {
      expect(line).toMatchObject({ campaign: CAMPAIGN, attempt: 1, status: 'sent' });
      expect(line.response).toMatch(/^250/);
      expect(typeof line.durationMs).toBe('number');
    }
  });

  it('adds no job and sends nothing twice when the campaign is run a second time', async () => {
    harness = await startHarness('run-twice');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(2, CAMPAIGN);
    const second = await runCommand({ data, wait: false }, harness.config, quietPrint);
    expect(second).toMatchObject({ added: 0, existing: 2 });
    await harness.waitIdle(2, CAMPAIGN);
    expect(harness.sink.received).toHaveLength(4);
  });

  it('does not email anyone twice when an operator retries a completed job, and says so in its log', async () => {
    harness = await startHarness('retry-completed');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(1, CAMPAIGN);
    const job = await harness.producer.letters.getJob(letterJobId(CAMPAIGN, 'alpha'));
    expect(await job!.getState()).toBe('completed');

    await job!.retry('completed');
    await expect.poll(async () => (await harness!.producer.letters.getJob(job!.id!))!.getState()).toBe('completed');
    const { logs } = await harness.producer.letters.getJobLogs(job!.id!);
    expect(logs.at(-1)).toMatch(/nothing to send/);
    expect(harness.sink.received).toHaveLength(2);
  });

  it('marks a recipient answered 550 as a permanent failure, without retrying it, and delivers the others', async () => {
    harness = await startHarness('permanent', {
      sink: { onRecipient: (address) => (address === 'mo@alpha.example.org' ? { code: 550, message: '5.1.1 no such user' } : null) },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    const totals = await harness.waitIdle(1, CAMPAIGN);

    expect(totals).toMatchObject({ sent: 2, permanentFailures: 1 });
    const failed = await harness.producer.ledger(CAMPAIGN).get('alpha', 'mo-1');
    expect(failed).toMatchObject({ status: 'permanent-failure', attempts: 1 });
    expect(failed!.response).toMatch(/550/);
    const job = await harness.producer.letters.getJob(letterJobId(CAMPAIGN, 'alpha'));
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1);
    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual([`${CAMPAIGN}/alpha/ceo`, `${CAMPAIGN}/alpha/head`]);
  });

  it('retries a recipient answered 451 with backoff and then delivers it once', async () => {
    let refusals = 2;
    harness = await startHarness('transient', {
      sink: {
        onRecipient: (address) =>
          address === 'ceo@alpha.example.org' && refusals-- > 0 ? { code: 451, message: '4.3.0 try again later' } : null,
      },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    const totals = await harness.waitIdle(1, CAMPAIGN);

    expect(totals).toMatchObject({ sent: 2, temporaryFailures: 0, permanentFailures: 0 });
    expect(await harness.producer.ledger(CAMPAIGN).get('alpha', 'ceo')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await harness.producer.ledger(CAMPAIGN).get('alpha', 'head')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual([`${CAMPAIGN}/alpha/ceo`, `${CAMPAIGN}/alpha/head`]);
    const job = await harness.producer.letters.getJob(letterJobId(CAMPAIGN, 'alpha'));
    // Two refused attempts, then the one that delivered.
    expect(job!.attemptsMade).toBe(3);
  });
});
