/**
 * What `run` says and how it exits when it has followed a run to its end, on
 * the real Redis, a real worker and a real SMTP server.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { CliError } from '../src/domain/index.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function recording() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, print: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

describe('run, followed to the end', () => {
  it('exits 1 when a delivery ended a permanent failure, and prints the gaps report and the retry command', async () => {
    harness = await startHarness('run-exit', {
      sink: { onRecipient: (address) => (address === 'mo@alpha.example.org' ? { code: 550, message: '5.1.1 no such user' } : null) },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [
      { id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] },
      { id: 'beta' },
    ]);
    await harness.startWorker();
    await approve(harness.config, data);
    const { err, print } = recording();

    const run = runCommand({ data }, harness.config, print);
    await expect(run).rejects.toThrow(CliError);
    await expect(run).rejects.toMatchObject({ exitCode: 1, message: 'campaign 2023-24: 1 of 5 deliveries not sent' });
    expect(err).toContain(
      "  annual-review-mailer report --campaign 2023-24 --gaps gaps.csv     # what is still owed, with the relay's answers",
    );
    expect(err.some((l) => l.startsWith('  annual-review-mailer retry --campaign 2023-24 --status permanent-failure --by NAME'))).toBe(
      true,
    );
    expect(harness.sink.received).toHaveLength(4);
  });

  it('exits 0 when every delivery was sent, and says where its retry settings come from', async () => {
    harness = await startHarness('run-exit-ok', { env: { SEND_ATTEMPTS: '3', BACKOFF_MS: '700' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    const { err, print } = recording();

    const result = await runCommand({ data }, harness.config, print);
    expect(result.totals).toMatchObject({ deliveries: 2, sent: 2 });
    expect(err.join('\n')).toContain('each letter job: up to 3 attempts, first retry after 700 ms');
    expect(err.join('\n')).toContain("a worker's own values do not change them");
    const job = await harness.producer.letters.getJob('2023-24-alpha');
    expect(job!.opts).toMatchObject({ attempts: 3, backoff: { delay: 700 } });
  });

  it("shows the relay's circuit breaker while it holds the queue: since when, the relay's last answer, and the next try", async () => {
    let relayDown = true;
    harness = await startHarness('run-breaker', {
      sink: { onMailFrom: () => (relayDown ? { code: 421, message: '4.3.2 service not available' } : null) },
      env: { BREAKER_THRESHOLD: '2', BREAKER_COOLDOWN_MS: '1500', SEND_ATTEMPTS: '3', BACKOFF_MS: '50', WORKER_CONCURRENCY: '1' },
    });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }, { id: 'gamma' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    const err: string[] = [];
    const print = {
      out: () => {},
      err: (line: string) => {
        err.push(line);
        if (line.startsWith('relay circuit breaker open')) relayDown = false;
      },
    };

    const result = await runCommand({ data }, harness.config, print);
    expect(result.totals).toMatchObject({ deliveries: 6, sent: 6 });
    const open = err.find((l) => l.startsWith('relay circuit breaker open'));
    expect(open).toMatch(
      /^relay circuit breaker open since \d\d:\d\d:\d\d: sending paused; the relay's last answer: 421 .*service not available; next try at \d\d:\d\d:\d\d$/,
    );
    expect(err.indexOf('relay circuit breaker closed: sending again')).toBeGreaterThan(err.indexOf(open!));
  }, 60_000);

  it('--dry-run prints every authority, recipient, role and address it would send, and enqueues and stores nothing', async () => {
    harness = await startHarness('run-dry');
    const data = await writeDataSet(join(harness.dir, 'data'), [
      { id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org'] },
      { id: 'beta', head: false },
    ]);
    const { out, err, print } = recording();

    await runCommand({ data, dryRun: true }, harness.config, print);
    expect(out.join('\n').split('\n')).toEqual([
      'authority,recipient,role,address',
      'alpha,ceo,ceo,ceo@alpha.example.org',
      'alpha,head,head,leader@alpha.example.org',
      'alpha,mo-1,mo,mo1@alpha.example.org',
      'beta,ceo,ceo,ceo@beta.example.org',
    ]);
    expect(err).toContain('dry run: 4 deliveries to 2 authorities; nothing was stored or enqueued');
    expect(await harness.producer.letters.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')).toBe(0);
    expect(await harness.producer.store.load('2023-24')).toBeNull();
    expect(Object.values(await harness.producer.ledger('2023-24').counts()).every((n) => n === 0)).toBe(true);
  });
});
