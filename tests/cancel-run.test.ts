/**
 * `cancel --campaign ID`: stops a run, on the real Redis, a real worker and
 * a real SMTP server counting messages by Message-ID.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cancelCommand } from '../src/cli/commands/cancel.js';
import { runCommand } from '../src/cli/commands/run.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('cancel --campaign', () => {
  it('stops the run without touching another campaign; what was sent stays sent, and run again carries on sending nothing twice', async () => {
    // One job at a time, each letter held 300 ms at the relay: the run is still going when it is cancelled.
    harness = await startHarness('cancel', { sink: { afterStore: () => ({ delayMs: 300 }) }, env: { WORKER_CONCURRENCY: '1' } });
    const h = harness;
    const ids = ['alpha', 'beta', 'gamma', 'delta'];
    const data = await writeDataSet(
      join(h.dir, 'data'),
      ids.map((id) => ({ id, head: false })),
    );
    await approve(h.config, data);
    // Another campaign in the same queue: the test run of the same data, waiting with no worker yet.
    await runCommand({ data, wait: false, testTo: 'proof@ombudsman.example.org' }, h.config, quietPrint);
    await runCommand({ data, wait: false }, h.config, quietPrint);
    await h.startWorker();
    await expect.poll(() => h.sink.received.length, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);

    const out: string[] = [];
    const cancelled = await cancelCommand({ campaign: CAMPAIGN }, h.config, { out: (l) => void out.push(l), err: () => {} });
    expect(cancelled.removed + cancelled.running.length + cancelled.finished).toBe(4);
    expect(cancelled.removed).toBeGreaterThanOrEqual(2);
    expect(out[0]).toMatch(new RegExp(`^campaign ${CAMPAIGN}: removed ${cancelled.removed} letter jobs not yet started`));

    // The test run's jobs were not touched: they all send.
    await h.waitIdle(4, `${CAMPAIGN}~test`);
    const real = () => h.sink.received.filter((m) => m.letter.startsWith(`${CAMPAIGN}/`));
    const sentBefore = real().length;
    expect(sentBefore).toBeLessThanOrEqual(2);
    expect(h.sink.received.filter((m) => m.letter.startsWith(`${CAMPAIGN}~test/`))).toHaveLength(4);
    const counts = await h.producer.ledger(CAMPAIGN).counts();
    expect(counts.sent).toBe(sentBefore);
    expect(counts.queued).toBe(4 - sentBefore);

    // Run again: it adds back only what was removed, and every letter goes out exactly once.
    const again = await runCommand({ data, wait: false }, h.config, quietPrint);
    expect(again).toMatchObject({ added: 0, restored: cancelled.removed });
    await h.waitIdle(4, CAMPAIGN);
    expect(
      real()
        .map((m) => m.letter)
        .sort(),
    ).toEqual(ids.map((id) => `${CAMPAIGN}/${id}/ceo`).sort());
    expect([...h.sink.countsByMessageId().values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
