/**
 * Approval: only the data and templates a person previewed and approved are
 * sent, by `run` and by the scheduled run; any change is named, and stops it.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../src/cli/commands/approve.js';
import { runCommand } from '../src/cli/commands/run.js';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { compileLetter } from '../src/render/letter-renderer.js';
import { checkFilesApproved, createApproval } from '../src/safety/approval.js';
import { compareFiles, describeChanges, fingerprintFiles, sha256 } from '../src/safety/fingerprint.js';
import { ApprovalStore } from '../src/storage/approval-store.js';
import type { WorkerProcess } from '../workers/worker-process.js';
import { approve } from './support/approve.js';
import { AUTHORITIES_HEADER, authorityRow, writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { letterJobCount, londonDay, setLetterDate, startCapturedWorker } from './support/safety.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
let worker: WorkerProcess | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await harness?.close();
  harness = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Rewrites authorities.csv: the kind of late edit an approval must catch. */
async function changeAFigure(data: string): Promise<void> {
  await writeFile(
    join(data, 'authorities.csv'),
    `${[AUTHORITIES_HEADER, authorityRow({ id: 'alpha', stats: [9, 1, 0, 0, 0] })].join('\n')}\n`,
  );
}

async function copyOfTemplates(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arm-templates-'));
  dirs.push(dir);
  await cp(join(SAMPLE_DATA_DIR, 'templates'), dir, { recursive: true });
  return dir;
}

async function failedFanOut(h: Harness): Promise<Job> {
  const job = await h.producer.campaigns.add('fan-out', { campaign: CAMPAIGN }, { attempts: 3 });
  await expect.poll(() => job.getState(), { timeout: 10_000 }).toBe('failed');
  return (await h.producer.campaigns.getJob(job.id!))!;
}

describe('comparing approved files', () => {
  it('names each file that changed, was added or was removed since approval', () => {
    const changes = compareFiles(
      { 'authorities.csv': 'a', 'templates/letter.mjml': 'b', 'templates/partials/old.mjml': 'c' },
      { 'authorities.csv': 'A', 'templates/letter.mjml': 'b', 'templates/partials/new.mjml': 'd' },
    );
    expect(describeChanges(changes)).toBe(
      'authorities.csv changed, templates/partials/new.mjml added, templates/partials/old.mjml removed',
    );
  });

  it('does not trust an approval whose sha256 does not add up to its files', () => {
    const approval = { ...createApproval(CAMPAIGN, 'alice', { files: { 'authorities.csv': 'a' }, sha256: 'forged' }) };
    const check = checkFilesApproved(CAMPAIGN, approval, { 'authorities.csv': 'a' });
    expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/does not add up/) });
  });
});

describe('approve', () => {
  it('records who approved and the sha256 of every file of the campaign folder in Redis, and prints them', async () => {
    harness = await startHarness('approve-records');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    const out: string[] = [];
    const approval = await approveCommand({ data, by: 'Alice Example' }, harness.config, { out: (l) => out.push(l), err: () => {} });

    const stored = await new ApprovalStore(harness.producer.redis, harness.prefix).get(CAMPAIGN);
    expect(stored).toEqual(approval);
    expect(approval).toMatchObject({ campaign: CAMPAIGN, by: 'Alice Example' });
    expect(approval.files['authorities.csv']).toBe(sha256(await readFile(join(data, 'authorities.csv'))));
    expect(approval.files['templates/partials/heading.mjml']).toBe(
      sha256(await readFile(join(data, 'templates', 'partials', 'heading.mjml'))),
    );
    expect(Object.keys(approval.files)).toEqual(
      expect.arrayContaining([
        'campaign.json',
        'authorities.csv',
        'monitoring-officers.csv',
        'templates/letter.mjml',
        'templates/partials/statistics-upheld.mjml',
      ]),
    );
    expect(out[0]).toMatch(/^approved campaign 2023-24 by Alice Example on .+ at \d{4}-\d\d-\d\dT/);
    expect(out).toContain(`sha256 ${approval.sha256}`);
    expect(out).toContain(`  ${approval.files['authorities.csv']}  authorities.csv`);
  });

  it('names the operating-system user as the approver when --by is not given', async () => {
    harness = await startHarness('approve-user');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    const approval = await approveCommand({ data }, harness.config, quietPrint);
    expect(approval.by).toBe(userInfo().username);
  });
});

describe('run', () => {
  it('refuses a campaign nobody approved: nothing is stored, enqueued or sent', async () => {
    harness = await startHarness('approve-none');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await expect(runCommand({ data, wait: false }, harness.config, quietPrint)).rejects.toThrow(
      /campaign 2023-24 has not been approved: preview it, then run `approve --data DIR`; nothing was enqueued/,
    );
    expect(await harness.producer.store.load(CAMPAIGN)).toBeNull();
    expect(await letterJobCount(harness)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(harness.sink.received).toHaveLength(0);
  });

  it('refuses data changed since approval, naming the file that changed, and sends nothing', async () => {
    harness = await startHarness('approve-data-changed');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data, { by: 'alice' });
    await changeAFigure(data);

    const refused = runCommand({ data, wait: false }, harness.config, quietPrint);
    await expect(refused).rejects.toThrow(
      /campaign 2023-24 changed since alice approved it at .*: authorities\.csv changed; preview it again/,
    );
    await expect(refused).rejects.not.toThrow(/campaign\.json|templates\//);
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });

  it('refuses templates changed since approval, naming each template changed or added, and sends nothing', async () => {
    harness = await startHarness('approve-templates-changed');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    const templatesDir = await copyOfTemplates();
    await harness.startWorker();
    await approve(harness.config, data, { templatesDir });
    const heading = join(templatesDir, 'partials', 'heading.mjml');
    await writeFile(heading, (await readFile(heading, 'utf8')).replace('By email', 'By email and post'));
    await writeFile(join(templatesDir, 'partials', 'unused.mjml'), '<mj-text><div><p>New</p></div></mj-text>\n');

    await expect(runCommand({ data, wait: false, templatesDir }, harness.config, quietPrint)).rejects.toThrow(
      /changed since .*: templates\/partials\/heading\.mjml changed, templates\/partials\/unused\.mjml added;/,
    );
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });

  it('sends once the changed data has been approved again', async () => {
    harness = await startHarness('approve-again');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await changeAFigure(data);
    await expect(runCommand({ data, wait: false }, harness.config, quietPrint)).rejects.toThrow(/authorities\.csv changed/);
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(1, CAMPAIGN);
    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual(['2023-24/alpha/ceo', '2023-24/alpha/head']);
  });
});

describe('the scheduled run', () => {
  it('is not scheduled at all for a campaign nobody approved', async () => {
    harness = await startHarness('approve-schedule-none');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await expect(scheduleCommand({ data }, harness.config, quietPrint)).rejects.toThrow(/has not been approved/);
    expect(await harness.producer.campaigns.getJobSchedulers()).toHaveLength(0);
    expect(await harness.producer.store.load(CAMPAIGN)).toBeNull();
  });

  it('sends an approved campaign whose letter date is today, once', async () => {
    harness = await startHarness('approve-schedule-ok');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await setLetterDate(data, londonDay());
    await approve(harness.config, data);
    await scheduleCommand({ data }, harness.config, quietPrint);
    ({ worker } = await startCapturedWorker(harness.config));

    const job = await harness.producer.campaigns.add('fan-out', { campaign: CAMPAIGN });
    await expect.poll(() => job.getState(), { timeout: 10_000 }).toBe('completed');
    await expect.poll(() => harness!.sink.received.length, { timeout: 10_000 }).toBe(2);
  });

  it('refuses, naming the file, when the data was approved again with a change after it was scheduled; nothing is sent', async () => {
    harness = await startHarness('approve-schedule-reapproved');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await setLetterDate(data, londonDay());
    await approve(harness.config, data);
    await scheduleCommand({ data }, harness.config, quietPrint);
    await changeAFigure(data);
    await approve(harness.config, data, { by: 'bob' });
    const started = await startCapturedWorker(harness.config);
    worker = started.worker;

    const job = await failedFanOut(harness);
    expect(job.failedReason).toMatch(
      /^refused: campaign 2023-24 changed since bob approved it at .*: authorities\.csv changed; .*run `schedule --data DIR`/,
    );
    expect(job.attemptsMade).toBe(1);
    expect((await harness.producer.campaigns.getJobLogs(job.id!)).logs.join('\n')).toMatch(/^refused: .*authorities\.csv changed/);
    const refusal = started.log.lines.find((l) => l.event === 'campaign.refused');
    expect(refusal).toMatchObject({ campaign: CAMPAIGN, reason: expect.stringMatching(/authorities\.csv changed/) });
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });

  it('refuses when the stored campaign was replaced after it was checked against the approval; nothing is sent', async () => {
    harness = await startHarness('approve-schedule-replaced');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }]);
    await setLetterDate(data, londonDay());
    await approve(harness.config, data);
    await scheduleCommand({ data }, harness.config, quietPrint);
    // Something other than `run` or `schedule` (an old version, a script) stores different data.
    const stored = (await harness.producer.store.load(CAMPAIGN))!;
    const alpha = (await harness.producer.store.authority(CAMPAIGN, 'alpha'))!;
    await harness.producer.store.save({ campaign: stored.campaign, authorities: [alpha], letter: await compileLetter(stored.campaign) });
    ({ worker } = await startCapturedWorker(harness.config));

    const job = await failedFanOut(harness);
    expect(job.failedReason).toMatch(/stored in Redis changed after it was checked against its approval/);
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });
});

describe('fingerprints', () => {
  it('cover every file of the campaign folder, a new one included, but no hidden file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'arm-fp-'));
    dirs.push(dataDir);
    await writeDataSet(dataDir, [{ id: 'alpha' }]);
    const before = await fingerprintFiles(dataDir);
    await writeFile(join(dataDir, '.campaign.json.swp'), 'editor state');
    expect((await fingerprintFiles(dataDir)).sha256).toBe(before.sha256);
    await writeFile(join(dataDir, 'contacts.csv'), 'authority_id,role,name,email\n');
    await writeFile(join(dataDir, 'templates', 'partials', 'heading.mjml'), '<mj-text><div><p>Changed</p></div></mj-text>\n');
    expect(compareFiles(before.files, (await fingerprintFiles(dataDir)).files)).toEqual([
      { file: 'contacts.csv', change: 'added' },
      { file: 'templates/partials/heading.mjml', change: 'changed' },
    ]);
  });

  it('change with any byte of a data file, and not with a hidden file among the templates', async () => {
    const templatesDir = await copyOfTemplates();
    const dataDir = await mkdtemp(join(tmpdir(), 'arm-fp-'));
    dirs.push(dataDir);
    await writeDataSet(dataDir, [{ id: 'alpha' }]);
    const before = await fingerprintFiles(dataDir, templatesDir);
    await writeFile(join(templatesDir, '.letter.mjml.swp'), 'editor state');
    expect((await fingerprintFiles(dataDir, templatesDir)).sha256).toBe(before.sha256);
    await writeFile(join(dataDir, 'campaign.json'), `${await readFile(join(dataDir, 'campaign.json'), 'utf8')} `);
    expect(compareFiles(before.files, (await fingerprintFiles(dataDir, templatesDir)).files)).toEqual([
      { file: 'campaign.json', change: 'changed' },
    ]);
  });
});
