/**
 * Every door into the delivery record follows the same rules: the command
 * line, the console, bull-board and the workers change deliveries and
 * campaigns only through the operations, and say the same things about them.
 * Each case here is a place where two doors used to disagree.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../src/cli/commands/approve.js';
import { cancelCommand } from '../src/cli/commands/cancel.js';
import { reportCommand } from '../src/cli/commands/report.js';
import { retryCommand } from '../src/cli/commands/retry.js';
import { runCommand } from '../src/cli/commands/run.js';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { letterJobId } from '../src/schedule/queues.js';
import { approve } from './support/approve.js';
import { addCopyRole, copySample, type TestAuthority, writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { CAMPAIGN, eventually, OPERATOR, startUiHarness, type UiHarness } from './support/ui-harness.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
const ALPHA: TestAuthority = { id: 'alpha', name: 'Alpha Borough Council', monitoringOfficers: ['mo1@alpha.example.org'] };
const BETA: TestAuthority = { id: 'beta', name: 'Beta District Council' };

let harness: Harness | undefined;
let ui: UiHarness | undefined;
afterEach(async () => {
  await harness?.close();
  await ui?.close();
  harness = undefined;
  ui = undefined;
});

function recording() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, print: { out: (line: string) => void out.push(line), err: (line: string) => void err.push(line) } };
}

/** Every JSON line the delivery log has once it holds one with `event` (the ui and the commands write it asynchronously). */
async function deliveryLogWith(file: string, event: string): Promise<Array<Record<string, unknown>>> {
  const read = async () =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  await expect.poll(async () => (await read()).some((l) => l.event === event), { timeout: 5_000, interval: 50 }).toBe(true);
  return read();
}

/** The command line, as an operator runs it, through a shell (for pipes). */
function shell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { env: { ...process.env, ...env }, cwd: PACKAGE_ROOT });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

describe('the annual schedule', () => {
  it('stores the bundled campaign, an authority of which has its own attachment, and its schedule fires with the file', async () => {
    harness = await startHarness('doors-schedule-sample');
    const data = await copySample(join(harness.dir, 'sample'));
    await approveCommand({ data, by: 'Olivia' }, harness.config, quietPrint);
    const { out, print } = recording();
    const run = await scheduleCommand({ data, by: 'Olivia' }, harness.config, print);
    expect(run.campaign).toBe('2023-24');
    expect(out.join('\n')).toMatch(/^scheduled campaign 2023-24: cron "0 9 17 7 \*"/);
    const lcrca = await harness.producer.store.authority('2023-24', 'lcrca');
    const files = await harness.producer.store.attachments('2023-24', lcrca!);
    expect(files.map((f) => f.info.name)).toEqual(['Decisions 2023-24 - Liverpool City Region Combined Authority.csv']);
  }, 60_000);

  it('lists every scheduled campaign when `schedule` is given no folder, and says when none is', async () => {
    harness = await startHarness('doors-schedule-list');
    const env = { REDIS_URL: harness.config.REDIS_URL, QUEUE_PREFIX: harness.prefix, DELIVERY_LOG: join(harness.dir, 'cli.log') };
    const none = await promisify(execFile)('node', [BIN, 'schedule'], { env: { ...process.env, ...env } });
    expect(none.stdout).toMatch(/^no campaign is scheduled/);
    const data = await writeDataSet(join(harness.dir, 'data'), [ALPHA]);
    await approve(harness.config, data);
    await scheduleCommand({ data, by: 'Olivia' }, harness.config, quietPrint);
    const listed = await promisify(execFile)('node', [BIN, 'schedule'], { env: { ...process.env, ...env } });
    expect(listed.stdout).toMatch(/^scheduled campaigns \(each fires its own fan-out\):\n {2}2023-24: cron "0 9 17 7 \*", next run /);
    expect(listed.stderr).toBe('');
  }, 60_000);
});

describe('the console and a copy role from contacts.csv', () => {
  it('shows, retries and readdresses the letters of a <role>-N recipient', async () => {
    ui = await startUiHarness('doors-copy-role');
    const data = await writeDataSet(join(ui.dir, 'data'), [ALPHA]);
    await addCopyRole(data, { role: 'scrutiny-chair', title: 'Chair of Scrutiny' }, [
      { authorityId: 'alpha', name: 'Sam Scrutiny', email: 'scrutiny@alpha.example.org' },
    ]);
    ui.refuse.set('scrutiny@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    await ui.runApproved(data, 1);
    const operator = await ui.signedIn(OPERATOR);
    const api = (path: string) => `/api/campaigns/${CAMPAIGN}/authorities/alpha${path}`;

    const letter = await operator.get(api('/letters/scrutiny-chair-1?format=text'));
    expect(letter.status).toBe(200);
    expect(await letter.text()).toContain('You receive this copy as Chair of Scrutiny of Alpha Borough Council.');

    ui.refuse.clear();
    const retried = await operator.post(api('/deliveries/scrutiny-chair-1/retry'));
    expect(retried.status).toBe(200);
    await eventually('the copy to be sent', async () => ui!.receivedFor('alpha/scrutiny-chair-1') === 1);

    // Readdress applies to a failed copy too: fail it again at its new address, then correct it.
    const readdress = await operator.post(api('/deliveries/scrutiny-chair-1/readdress'), { json: { email: 'chair@alpha.example.org' } });
    expect(readdress.status).toBe(409); // it was sent: only a bounced or failed letter is readdressed
  }, 60_000);
});

describe('what the doors record', () => {
  it('writes delivery.reset to the delivery log for a single Retry in the console, as the bulk and the command line retries do', async () => {
    ui = await startUiHarness('doors-reset-log');
    ui.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    await ui.runApproved(await writeDataSet(join(ui.dir, 'data'), [ALPHA]), 1);
    ui.refuse.clear();
    const operator = await ui.signedIn(OPERATOR);
    expect((await operator.post(`/api/campaigns/${CAMPAIGN}/authorities/alpha/deliveries/mo-1/retry`)).status).toBe(200);
    const lines = await deliveryLogWith(ui.config.DELIVERY_LOG, 'delivery.reset');
    expect(lines.filter((l) => l.event === 'delivery.reset')).toEqual([
      expect.objectContaining({ authorityId: 'alpha', recipient: 'mo-1', previousStatus: 'permanent-failure', by: OPERATOR.name }),
    ]);
  }, 60_000);

  it('records who cancelled a run, says so on the console, and run then advises carrying on, not retrying', async () => {
    // One job at a time, each letter held at the relay: the run is still going when it is cancelled.
    harness = await startHarness('doors-cancel', {
      sink: { afterStore: () => ({ delayMs: 300 }) },
      env: { WORKER_CONCURRENCY: '1' },
    });
    const authorities = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => ({ id, head: false }));
    const data = await writeDataSet(join(harness.dir, 'data'), authorities);
    await approve(harness.config, data);
    await harness.startWorker();
    const { err, print } = recording();
    const running = runCommand({ data }, harness.config, print);
    await expect.poll(() => harness!.sink.received.length, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
    const cancelled = await cancelCommand({ campaign: CAMPAIGN, by: 'Olivia' }, harness.config, quietPrint);
    expect(cancelled.removed).toBeGreaterThan(0);
    await expect(running).rejects.toThrow(/deliveries not sent/);
    const advice = err.join('\n');
    expect(advice).toMatch(/campaign 2023-24 was cancelled by Olivia at \d\d:\d\d:\d\d; \d+ letters? not sent/);
    expect(advice).toContain(`annual-review-mailer run --data ${data}`);
    expect(advice).not.toContain('annual-review-mailer retry');

    const log = await deliveryLogWith(harness.config.DELIVERY_LOG, 'campaign.cancelled');
    expect(log.find((l) => l.event === 'campaign.cancelled')).toMatchObject({
      campaign: CAMPAIGN,
      by: 'Olivia',
      removed: cancelled.removed,
    });
  }, 60_000);

  it("says on the console that a run was cancelled, by whom, and that a breaker's pause is not sending", async () => {
    ui = await startUiHarness('doors-cancel-console');
    const data = await writeDataSet(join(ui.dir, 'data'), [ALPHA, BETA]);
    await approve(ui.config, data);
    await runCommand({ data, wait: false }, ui.config, quietPrint);
    await cancelCommand({ campaign: CAMPAIGN, by: 'Olivia' }, ui.config, quietPrint);
    const operator = await ui.signedIn(OPERATOR);
    const summary = (await (await operator.get(`/api/campaigns/${CAMPAIGN}/summary`)).json()) as {
      running: boolean;
      state: { state: string; by: string; text: string };
    };
    expect(summary.running).toBe(false);
    expect(summary.state).toMatchObject({ state: 'cancelled', by: 'Olivia' });
    expect(summary.state.text).toMatch(/^cancelled by Olivia at \d\d:\d\d:\d\d; 5 letters not sent$/);
  }, 60_000);

  it("shows a job's log newest first, so the details say what its last attempt did", async () => {
    ui = await startUiHarness('doors-job-log', { env: { SEND_ATTEMPTS: '3' } });
    ui.refuse.set('mo1@alpha.example.org', { code: 451, message: '4.3.0 mailbox busy, try later' });
    const data = await writeDataSet(join(ui.dir, 'data'), [ALPHA]);
    await approve(ui.config, data);
    await ui.startWorker();
    await runCommand({ data, wait: false }, ui.config, quietPrint);
    await eventually('a first attempt to fail', async () => (await ui!.jobLogs('alpha')).length >= 1);
    ui.refuse.clear();
    await eventually('the job to complete', async () => (await ui!.jobState('alpha')) === 'completed');
    const operator = await ui.signedIn(OPERATOR);
    const detail = (await (await operator.get(`/api/campaigns/${CAMPAIGN}/authorities/alpha`)).json()) as { job: { logs: string[] } };
    expect(detail.job.logs.length).toBeGreaterThanOrEqual(2);
    expect(detail.job.logs[0]).toBe('ceo already-sent; head already-sent; mo-1 sent');
    expect(detail.job.logs.at(-1)).toMatch(/mo-1 temporary-failure/);
  }, 60_000);
});

describe("run's closing lines", () => {
  it('count bounced letters among those not sent and say how to readdress them', async () => {
    harness = await startHarness('doors-bounced-advice');
    const data = await writeDataSet(join(harness.dir, 'data'), [ALPHA]);
    await approve(harness.config, data);
    await harness.startWorker();
    await runCommand({ data }, harness.config, quietPrint);
    const bounced = await harness.producer.ledger(CAMPAIGN).bounce('alpha', 'ceo', { diagnostic: 'smtp; 550 5.1.1 user unknown' });
    expect(bounced.bounced).toBe(true);

    const { err, print } = recording();
    await expect(runCommand({ data }, harness.config, print)).rejects.toThrow('campaign 2023-24: 1 of 3 deliveries not sent');
    expect(err).toContain('not every delivery was sent: 1 bounced, 0 permanent failures, 0 temporary failures, 0 pending. Next:');
    expect(
      err.some((line) => line.startsWith(`  annual-review-mailer readdress --campaign ${CAMPAIGN} --authority ID --recipient KEY`)),
    ).toBe(true);
  }, 60_000);
});

describe("the report's record", () => {
  it('names in its manifest the approval the letters went out under, not a later one', async () => {
    harness = await startHarness('doors-manifest');
    const data = await writeDataSet(join(harness.dir, 'data'), [ALPHA]);
    const sentUnder = await approveCommand({ data, by: 'Olivia' }, harness.config, quietPrint);
    await harness.startWorker();
    // Which letters arrived does not matter here, only which approval they went out under.
    await runCommand({ data }, harness.config, quietPrint).catch(() => undefined);
    // Next day someone edits the wording and approves again; the letters already went out.
    const campaignFile = join(data, 'campaign.json');
    await writeFile(
      campaignFile,
      (await readFile(campaignFile, 'utf8')).replace('"reportingYear": "2023-24"', '"reportingYear": "2023/24"'),
    );
    const later = await approveCommand({ data, by: 'Victor' }, harness.config, quietPrint);
    expect(later.sha256).not.toBe(sentUnder.sha256);

    const manifest = join(harness.dir, 'manifest.json');
    const env = {
      REDIS_URL: harness.config.REDIS_URL,
      QUEUE_PREFIX: harness.prefix,
      DELIVERY_LOG: join(harness.dir, 'cli.log'),
    };
    await promisify(execFile)('node', [BIN, 'report', '--campaign', CAMPAIGN, '--manifest', manifest], { env: { ...process.env, ...env } });
    const written = JSON.parse(await readFile(manifest, 'utf8')) as {
      approval: { by: string; sha256: string };
      latestApproval: { by: string };
    };
    expect(written.approval).toMatchObject({ by: 'Olivia', sha256: sentUnder.sha256 });
    expect(written.latestApproval).toMatchObject({ by: 'Victor', sha256: later.sha256 });
  }, 60_000);

  it('writes its gaps and manifest files whole even when the reader of the report stops early (| head)', async () => {
    harness = await startHarness('doors-report-head');
    // Far more than a pipe holds (64 KiB): the report's writes wait for a reader that is gone after three lines.
    const deliveries = Array.from({ length: 3000 }, (_, i) => ({
      authorityId: `authority-${String(i).padStart(4, '0')}`,
      recipient: 'ceo',
      role: 'ceo',
      email: `chief.executive.${i}@authority-${i}.example.org`,
      messageId: `<${CAMPAIGN}.authority-${i}.ceo@annual-review.example.org>`,
    }));
    await harness.producer.ledger(CAMPAIGN).seed(deliveries);
    const gaps = join(harness.dir, 'gaps.csv');
    const manifest = join(harness.dir, 'manifest.json');
    const env = { REDIS_URL: harness.config.REDIS_URL, QUEUE_PREFIX: harness.prefix, DELIVERY_LOG: join(harness.dir, 'cli.log') };
    const result = await shell(`node ${BIN} report --campaign ${CAMPAIGN} --gaps ${gaps} --manifest ${manifest} | head -3`, env);
    expect(result.stdout.split('\n')).toHaveLength(4);
    expect((await readFile(gaps, 'utf8')).trimEnd().split('\n')).toHaveLength(3001);
    const written = JSON.parse(await readFile(manifest, 'utf8')) as { report: { rows: number }; gaps: { rows: number } };
    expect(written.report.rows).toBe(3000);
    expect(written.gaps.rows).toBe(3000);
  }, 60_000);
});

describe('retry on the command line', () => {
  it('follows the jobs it ran again to the end and says what became of each delivery it reset', async () => {
    harness = await startHarness('doors-retry-follow', {
      sink: { onRecipient: (address) => (refused.has(address) ? { code: 550, message: '5.1.1 no such user' } : null) },
    });
    const refused = new Set(['mo1@alpha.example.org']);
    const data = await writeDataSet(join(harness.dir, 'data'), [ALPHA]);
    await approve(harness.config, data);
    await harness.startWorker();
    await runCommand({ data }, harness.config, quietPrint).catch(() => undefined);
    refused.clear();
    const { out, print } = recording();
    await retryCommand({ campaign: CAMPAIGN, by: 'Olivia', yes: true }, harness.config, print);
    // When it returns, the letter is already at the relay: nothing to poll for.
    expect(harness.sink.received.filter((m) => m.letter === `${CAMPAIGN}/alpha/mo-1`)).toHaveLength(1);
    expect(out).toContain('of the 1 deliveries reset: 1 sent, 0 not sent');
  }, 60_000);
});

describe('jobs no operation wrote', () => {
  it("bull-board's add-job is refused on our queues, and a worker refuses a resend nobody requested, sending nothing", async () => {
    ui = await startUiHarness('doors-forged-job');
    await ui.runApproved(await writeDataSet(join(ui.dir, 'data'), [ALPHA]), 1);
    const sent = ui.sink.received.length;
    const operator = await ui.signedIn(OPERATOR);
    const forged = { campaign: CAMPAIGN, authorityId: 'alpha', resend: { recipient: 'ceo', key: 'ceo~resend-1' } };
    const viaBoard = await operator.post('/queues/api/queues/letters/add', { json: { name: 'letter', data: forged, options: {} } });
    expect(viaBoard.status).toBe(405);

    // Straight into the queue, as a script on the Redis host could: the worker refuses it.
    const jobId = `${letterJobId(CAMPAIGN, 'alpha')}-forged`;
    await ui.producer.letters.add('letter', forged, { jobId, attempts: 3 });
    await eventually('the forged job to fail', async () => (await ui!.producer.letters.getJobState(jobId)) === 'failed');
    const job = await ui.producer.letters.getJob(jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^refused: resend alpha\/ceo~resend-1 was never requested/);
    expect(ui.sink.received.length).toBe(sent);
  }, 60_000);
});

describe('unverified bounces', () => {
  it('are shown beside the delivery they name, in the console and the report, as claims that changed nothing', async () => {
    ui = await startUiHarness('doors-unverified');
    await ui.runApproved(await writeDataSet(join(ui.dir, 'data'), [ALPHA]), 1);
    await ui.producer.ops.storage.unverifiedBounces.add({
      campaign: CAMPAIGN,
      authorityId: 'alpha',
      recipient: 'ceo',
      receivedAt: Date.now(),
      kind: 'failed',
      email: 'ceo@alpha.example.org',
      diagnostic: 'smtp; 550 =HYPERLINK("https://evil.example","mailbox gone")',
      why: 'no-token',
      reason: 'no VERP token: it names this delivery only by its Message-ID and address, which anyone can guess or read',
    });
    const operator = await ui.signedIn(OPERATOR);
    const detail = (await (await operator.get(`/api/campaigns/${CAMPAIGN}/authorities/alpha`)).json()) as {
      deliveries: Array<{ recipient: string; status: string }>;
      unverifiedBounces: Array<{ recipient: string; claimedDiagnostic: string }>;
    };
    expect(detail.deliveries.find((d) => d.recipient === 'ceo')?.status).toBe('sent');
    expect(detail.unverifiedBounces).toEqual([
      expect.objectContaining({ recipient: 'ceo', claimedDiagnostic: 'smtp; 550 =HYPERLINK("https://evil.example","mailbox gone")' }),
    ]);

    const file = join(ui.dir, 'unverified.csv');
    const { out, err, print } = recording();
    await reportCommand({ campaign: CAMPAIGN, format: 'csv', unverified: file }, ui.config, print);
    const header = out[0]!.split('\n')[0]!;
    expect(header.split(',').at(-1)).toBe('unverifiedBounces');
    expect(
      out[0]!
        .split('\n')
        .find((line) => line.startsWith('alpha,') && line.includes(',ceo,'))!
        .split(',')
        .at(-1),
    ).toBe('1');
    expect(err).toContain(`unverified bounces: 1 written to ${file}`);
    expect(await readFile(file, 'utf8')).toContain('no-token');
  }, 60_000);
});
