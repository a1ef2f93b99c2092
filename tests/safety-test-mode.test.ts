/**
 * Test mode: a whole run sent to one inbox, each letter marked as a test and
 * naming who would have received it, recorded apart from the real run.
 */
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { type Authority, recipientsOf } from '../src/domain/index.js';
import { TEMPLATES_DIR } from '../src/paths.js';
import { compileTestNotice, loadTestNotice, markAsTest } from '../src/render/test-notice.js';
import { StorageKeys } from '../src/storage/keys.js';
import { campaign } from './render/fixtures.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { letterJobCount } from './support/safety.js';

const CAMPAIGN = '2023-24';
const TEST_CAMPAIGN = '2023-24~test';
const INBOX = 'proof.reader@ombudsman.example.net';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function dataSet(h: Harness): Promise<string> {
  return writeDataSet(join(h.dir, 'data'), [
    { id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] },
    { id: 'beta', head: false },
  ]);
}

async function message(h: Harness, letter: string) {
  const received = h.sink.received.find((m) => m.letter === letter);
  expect(received, letter).toBeDefined();
  return simpleParser(h.sink.raw.get(received!.messageId)!);
}

describe('a test run', () => {
  it('sends every letter to the test inbox only, marked [TEST] in its subject and, at its top, naming the real recipient', async () => {
    harness = await startHarness('test-mode', { sink: { keepRaw: true } });
    const data = await dataSet(harness);
    await harness.startWorker();
    const err: string[] = [];
    // No approval needed: a test letter can reach nobody but the test inbox.
    const run = await runCommand({ data, wait: false, testTo: INBOX }, harness.config, { out: () => {}, err: (l) => err.push(l) });
    expect(run).toMatchObject({ campaign: TEST_CAMPAIGN, added: 2 });
    expect(err.join('\n')).toMatch(/test run: every letter goes to proof\.reader@ombudsman\.example\.net only/);
    await harness.waitIdle(2, TEST_CAMPAIGN);

    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual([
      `${TEST_CAMPAIGN}/alpha/ceo`,
      `${TEST_CAMPAIGN}/alpha/head`,
      `${TEST_CAMPAIGN}/alpha/mo-1`,
      `${TEST_CAMPAIGN}/beta/ceo`,
    ]);
    for (const m of harness.sink.received) expect(m.envelopeTo).toEqual([INBOX]);

    const ceo = await message(harness, `${TEST_CAMPAIGN}/alpha/ceo`);
    expect(ceo.subject).toBe('[TEST] Annual Review letter 2023-24: ALPHA Council');
    expect(ceo.messageId).toBe(`<${TEST_CAMPAIGN}.alpha.ceo@example.org>`);
    expect(JSON.stringify(ceo.to)).toContain(INBOX);
    expect(ceo.text).toMatch(/^\*\*\* TEST LETTER: not sent to its recipient \*\*\*\n/);
    expect(ceo.text).toContain(
      `sent only to ${INBOX}. In the real run this letter goes to Ms Alex Chief-alpha <ceo@alpha.example.org>, Chief Executive of ALPHA Council.`,
    );
    const html = String(ceo.html);
    expect(html.indexOf('TEST LETTER')).toBeGreaterThan(-1);
    expect(html.indexOf('TEST LETTER')).toBeLessThan(html.indexOf('Dear Ms Chief-alpha'));
    expect(html).toContain('Ms Alex Chief-alpha &lt;ceo@alpha.example.org&gt;, Chief Executive of ALPHA Council');

    expect((await message(harness, `${TEST_CAMPAIGN}/alpha/head`)).text).toContain('<leader@alpha.example.org>, Leader of ALPHA Council');
    expect((await message(harness, `${TEST_CAMPAIGN}/alpha/mo-1`)).text).toContain(
      'Officer 1 <mo@alpha.example.org>, Monitoring Officer of ALPHA Council',
    );

    // Recorded apart: the test ledger lists whom each letter was for, the delivery log where it went.
    const records = [];
    for await (const r of harness.producer.ledger(TEST_CAMPAIGN).records()) records.push(r);
    expect(records.map((r) => `${r.authorityId}/${r.recipient} ${r.status}`).sort()).toEqual([
      'alpha/ceo sent',
      'alpha/head sent',
      'alpha/mo-1 sent',
      'beta/ceo sent',
    ]);
    expect(await harness.producer.ledger(CAMPAIGN).counts()).toMatchObject({ queued: 0, sent: 0 });
    const sentLines = (await harness.deliveryLogLines()).filter((l) => l.event === 'delivery.sent');
    expect(sentLines).toHaveLength(4);
    for (const line of sentLines) expect(line).toMatchObject({ campaign: TEST_CAMPAIGN, email: INBOX });
  });

  it('leaves the real run to send every letter to its real recipients afterwards', async () => {
    harness = await startHarness('test-then-real');
    const data = await dataSet(harness);
    await harness.startWorker();
    await runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint);
    await harness.waitIdle(2, TEST_CAMPAIGN);
    expect(harness.sink.received).toHaveLength(4);

    await approve(harness.config, data);
    const real = await runCommand({ data, wait: false }, harness.config, quietPrint);
    expect(real).toMatchObject({ campaign: CAMPAIGN, added: 2, existing: 0 });
    await harness.waitIdle(2, CAMPAIGN);
    const realMessages = harness.sink.received.filter((m) => m.letter.startsWith(`${CAMPAIGN}/`));
    expect(realMessages.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'ceo@alpha.example.org',
      'ceo@beta.example.org',
      'leader@alpha.example.org',
      'mo@alpha.example.org',
    ]);
    const jobIds = (await harness.producer.letters.getJobs(['completed'])).map((j) => j.id).sort();
    expect(jobIds).toEqual([`${CAMPAIGN}-alpha`, `${CAMPAIGN}-beta`, `${TEST_CAMPAIGN}-alpha`, `${TEST_CAMPAIGN}-beta`]);
  });

  it('puts ids and the test flag in its jobs, never an address', async () => {
    harness = await startHarness('test-job-data');
    const data = await dataSet(harness);
    await runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint);
    const jobs = await harness.producer.letters.getJobs(['waiting']);
    expect(jobs.map((j) => j.data).sort((a, b) => a.authorityId.localeCompare(b.authorityId))).toEqual([
      { campaign: TEST_CAMPAIGN, authorityId: 'alpha', test: true },
      { campaign: TEST_CAMPAIGN, authorityId: 'beta', test: true },
    ]);
    for (const job of jobs) expect(JSON.stringify(job.data)).not.toContain('@');
  });

  it('is what `run` does when TEST_RECIPIENT is set', async () => {
    harness = await startHarness('test-env', { env: { TEST_RECIPIENT: INBOX } });
    const data = await dataSet(harness);
    await harness.startWorker();
    expect(await runCommand({ data, wait: false }, harness.config, quietPrint)).toMatchObject({ campaign: TEST_CAMPAIGN });
    await harness.waitIdle(2, TEST_CAMPAIGN);
    expect(new Set(harness.sink.received.flatMap((m) => m.envelopeTo))).toEqual(new Set([INBOX]));
  });

  it('can be run again, sending every letter again, but not while the previous one is still going', async () => {
    harness = await startHarness('test-again');
    const data = await dataSet(harness);
    await runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint);
    await expect(runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint)).rejects.toThrow(
      /the previous test run is still going \(job 2023-24~test-(alpha|beta) of the previous test run is waiting\)/,
    );
    await harness.startWorker();
    await harness.waitIdle(2, TEST_CAMPAIGN);
    expect(harness.sink.received).toHaveLength(4);
    expect(await runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint)).toMatchObject({ added: 2, existing: 0 });
    await harness.waitIdle(2, TEST_CAMPAIGN);
    expect(harness.sink.received).toHaveLength(8);
  });

  it('sends nothing when its test inbox is missing from Redis, rather than fall back to the real recipients', async () => {
    harness = await startHarness('test-no-inbox');
    const data = await dataSet(harness);
    await runCommand({ data, wait: false, testTo: INBOX }, harness.config, quietPrint);
    await harness.producer.redis.del(new StorageKeys(harness.prefix).testRun(TEST_CAMPAIGN));
    // Even a job that does not say it is a test is one, by its campaign.
    await harness.producer.letters.add('letter', { campaign: TEST_CAMPAIGN, authorityId: 'alpha' }, { jobId: 'forged' });
    await harness.startWorker();
    await expect.poll(async () => (await harness!.producer.letters.getJobCounts('failed')).failed, { timeout: 10_000 }).toBe(3);
    for (const job of await harness.producer.letters.getJobs(['failed'])) {
      expect(job.failedReason).toMatch(/test run 2023-24~test has no test inbox stored in Redis; nothing was sent/);
    }
    expect(harness.sink.received).toHaveLength(0);
  });

  it('is refused up front when the test inbox is not one address', async () => {
    harness = await startHarness('test-bad-inbox');
    const data = await dataSet(harness);
    await expect(
      runCommand({ data, wait: false, testTo: 'me@example.org, ceo@alpha.example.org' }, harness.config, quietPrint),
    ).rejects.toThrow(/is not one email address; nothing was enqueued/);
    expect(await letterJobCount(harness)).toBe(0);
  });

  it('cannot be scheduled: schedule refuses while TEST_RECIPIENT is set', async () => {
    harness = await startHarness('test-schedule', { env: { TEST_RECIPIENT: INBOX } });
    const data = await dataSet(harness);
    await approve(harness.config, data);
    await expect(scheduleCommand({ data }, harness.config, quietPrint)).rejects.toThrow(
      /TEST_RECIPIENT is set, but a scheduled run always sends to the real recipients/,
    );
    expect(await harness.producer.campaigns.getJobSchedulers()).toHaveLength(0);
  });
});

describe('the test marks', () => {
  it('escape the real recipient in HTML and keep the subject on one line', async () => {
    const notice = compileTestNotice(await loadTestNotice(TEMPLATES_DIR));
    const authority = {
      id: 'x',
      name: 'Smith & <Sons>',
      kind: 'other',
      chiefExecutive: { title: 'Dr', firstName: 'A', surname: 'B', email: 'ceo@x.example.org' },
      head: null,
      figures: {},
      copies: [],
    } as unknown as Authority;
    const [recipient] = recipientsOf(authority);
    const letter = { subject: 'Letter', html: '<!doctype html><html><body style="x"><p>Dear</p></body></html>', text: 'Dear' };
    const marked = markAsTest(letter, { campaign, authority, recipient: recipient!, testInbox: INBOX }, notice);
    expect(marked.subject).toBe('[TEST] Letter');
    expect(marked.html).toMatch(/^<!doctype html><html><body style="x">\n<div[^>]*>/);
    expect(marked.html).toContain('Chief Executive of Smith &amp; &lt;Sons&gt;');
    expect(marked.text).toContain('Chief Executive of Smith & <Sons>.');
    expect(marked.text.endsWith('\n\nDear')).toBe(true);
  });
});
