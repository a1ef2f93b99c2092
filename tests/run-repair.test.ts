/**
 * A run repairs losses: what a failover can lose (a job, or a letter owed
 * after its job finished) is put back by running the campaign again, and a
 * recipient already `sent` is never sent again. Real Redis, real SMTP server.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findGaps, toReportRow } from '../src/cli/commands/report.js';
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

describe('a repairing run', () => {
  it('re-adds a lost job and re-queues a finished job that still owes a letter, shows both in the gaps first, and never re-sends a sent recipient', async () => {
    // The relay turns beta's leader away with 451 until the test lets it through.
    let leaderDown = true;
    harness = await startHarness('repair', {
      sink: {
        onRecipient: (address) => (leaderDown && address === 'leader@beta.example.org' ? { code: 451, message: 'try later' } : null),
      },
      env: { SEND_ATTEMPTS: '2' },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }, { id: 'gamma' }]);
    await approve(harness.config, data);
    const first = await runCommand({ data, wait: false }, harness.config, quietPrint);
    expect(first).toMatchObject({ added: 3, restored: 0, requeued: 0, existing: 0 });
    // gamma's job is lost (as a failover can lose a job added just before it); its ledger records stay queued.
    await harness.producer.letters.remove(letterJobId(CAMPAIGN, 'gamma'));

    await harness.startWorker();
    await harness.waitIdle(3, CAMPAIGN);
    expect(await harness.producer.letters.getJobState(letterJobId(CAMPAIGN, 'beta'))).toBe('failed');
    const firstCopies = harness.sink.received.map((m) => m.messageId).sort();
    expect(firstCopies).toHaveLength(3); // alpha's two, and beta's chief executive

    // Before the repair, the gaps show every owed letter, and that gamma has no job at all.
    const rows = [];
    for await (const record of harness.producer.ledger(CAMPAIGN).records()) rows.push(toReportRow(record));
    const gaps = await findGaps(harness.producer.ops, CAMPAIGN, rows);
    expect(gaps.map((g) => `${g.authority}/${g.recipient} ${g.status} job ${g.job}`)).toEqual([
      'beta/head temporary-failure job failed',
      'gamma/ceo queued job missing',
      'gamma/head queued job missing',
    ]);

    leaderDown = false;
    const second = await runCommand({ data, wait: false }, harness.config, quietPrint);
    // gamma's job is added back (the ledger knew it), beta's failed job runs again; each counted once.
    expect(second).toMatchObject({ added: 0, restored: 1, requeued: 1, existing: 1 });
    await harness.waitIdle(3, CAMPAIGN);

    // Every letter exactly once: the sent ones of the first run were not sent again.
    const ids = harness.sink.received.map((m) => m.messageId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(ids.slice(0, 3).sort()).toEqual(firstCopies);
    expect(await harness.producer.ledger(CAMPAIGN).counts()).toMatchObject({ sent: 6, queued: 0, 'temporary-failure': 0 });

    // Nothing owed any more: a third run repairs nothing.
    expect(await runCommand({ data, wait: false }, harness.config, quietPrint)).toMatchObject({
      added: 0,
      restored: 0,
      requeued: 0,
      existing: 3,
    });
  }, 60_000);
});
