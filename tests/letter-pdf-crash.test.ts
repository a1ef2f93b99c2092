/**
 * A PDF maker that crashes fails that attempt as transient: nothing was
 * claimed, BullMQ retries the job, and every letter is then sent once.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

let harness: Harness | undefined;
let dir = '';
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a PDF maker crash', () => {
  it('fails the attempt as transient, and the letter is then sent once to each recipient', async () => {
    dir = await mkdtemp(join(tmpdir(), 'arm-pdf-crash-'));
    // A Chromium that dies at its first start (as a crashed or killed browser would), and is the real one after.
    const chromium = join(dir, 'chromium');
    await writeFile(
      chromium,
      `#!/bin/sh\nif [ ! -e "${dir}/crashed" ]; then touch "${dir}/crashed"; kill -SEGV $$; fi\nexec /usr/bin/chromium "$@"\n`,
    );
    await chmod(chromium, 0o755);
    const data = join(dir, 'data');
    await writeDataSet(data, [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }]);
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'both' }, null, 2));

    harness = await startHarness('pdf-crash', { env: { CHROMIUM_PATH: chromium } });
    await approve(harness.config, data);
    await harness.startWorker();
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    const totals = await harness.waitIdle(1, '2023-24');

    expect(totals).toMatchObject({ deliveries: 3, sent: 3, temporaryFailures: 0 });
    expect([...harness.sink.countsByMessageId().values()]).toEqual([1, 1, 1]);
    const job = await harness.producer.letters.getJob('2023-24-alpha');
    expect(job?.attemptsMade).toBe(2);
    const logs = await harness.producer.letters.getJobLogs('2023-24-alpha');
    expect(logs.logs[0]).toMatch(/^not sent, will retry: the PDF maker failed/);
    // Nothing was claimed in the failed attempt: each recipient's ledger record took one attempt.
    for await (const record of harness.producer.ledger('2023-24').records()) expect(record).toMatchObject({ status: 'sent', attempts: 1 });
  }, 90_000);
});
