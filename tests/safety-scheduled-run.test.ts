/**
 * Stale and wrong scheduled runs: when the annual scheduler fires for a
 * campaign that is last year's, not yet due, or not stored at all, nothing is
 * sent, and the log and the queue UI (the job's log and failed reason) say why.
 */
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { daysSinceLetterDate, letterDateRefusal } from '../src/safety/staleness.js';
import type { WorkerProcess } from '../workers/worker-process.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { type CapturedLog, letterJobCount, londonDay, setLetterDate, startCapturedWorker } from './support/safety.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;
let worker: WorkerProcess | undefined;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await harness?.close();
  harness = undefined;
});

/** Schedules an approved data set dated `letterDate`, then fires the fan-out as the scheduler would. */
async function fire(name: string, letterDate: string, env: Record<string, string> = {}): Promise<{ job: Job; log: CapturedLog }> {
  harness = await startHarness(name, { env });
  const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }]);
  await setLetterDate(data, letterDate);
  await approve(harness.config, data);
  await scheduleCommand({ data }, harness.config, quietPrint);
  return fireStored();
}

async function fireStored(campaign = CAMPAIGN): Promise<{ job: Job; log: CapturedLog }> {
  const started = await startCapturedWorker(harness!.config);
  worker = started.worker;
  const added = await harness!.producer.campaigns.add('fan-out', { campaign }, { attempts: 3 });
  await expect.poll(() => added.getState(), { timeout: 10_000 }).toMatch(/^(completed|failed)$/);
  return { job: (await harness!.producer.campaigns.getJob(added.id!))!, log: started.log };
}

async function expectRefusedWithNothingSent(job: Job, log: CapturedLog, reason: RegExp): Promise<void> {
  expect(await job.getState()).toBe('failed');
  expect(job.failedReason).toMatch(/^refused: /);
  expect(job.failedReason).toMatch(reason);
  // Refused for good: retrying would refuse again.
  expect(job.attemptsMade).toBe(1);
  const { logs } = await harness!.producer.campaigns.getJobLogs(job.id!);
  expect(logs).toHaveLength(1);
  expect(logs[0]).toMatch(reason);
  const refused = log.lines.filter((l) => l.event === 'campaign.refused');
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatchObject({ campaign: job.data.campaign, level: 40, reason: expect.stringMatching(reason) });
  expect(await letterJobCount(harness!)).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(harness!.sink.received).toHaveLength(0);
}

describe('the letter date check', () => {
  it('counts days in London, and lets a campaign go from its letter date to MAX_LETTER_AGE_DAYS after it', () => {
    // 23:30 UTC on 16 July 2024 is already 17 July in London (BST).
    const now = Date.UTC(2024, 6, 16, 23, 30);
    expect(daysSinceLetterDate('2024-07-17', now)).toBe(0);
    const campaign = { id: CAMPAIGN, letterDate: '2024-07-17' };
    expect(letterDateRefusal(campaign, now, 60)).toBeNull();
    expect(letterDateRefusal(campaign, Date.UTC(2024, 8, 15, 12), 60)).toBeNull();
    expect(letterDateRefusal(campaign, Date.UTC(2024, 8, 16, 12), 60)).toMatch(/stale: its letter date 2024-07-17 was 61 days ago/);
    expect(letterDateRefusal(campaign, Date.UTC(2024, 6, 15, 12), 60)).toMatch(/not due: its letter date 2024-07-17 is 2 day\(s\) away/);
  });
});

describe('the scheduled run', () => {
  it("refuses last year's campaign (letter date past MAX_LETTER_AGE_DAYS): nothing is sent, and the log and the job say why", async () => {
    const { job, log } = await fire('stale', londonDay(-61));
    await expectRefusedWithNothingSent(
      job,
      log,
      /campaign 2023-24 is stale: its letter date .* was 61 days ago, more than MAX_LETTER_AGE_DAYS \(60\)/,
    );
  });

  it('honours MAX_LETTER_AGE_DAYS from the environment', async () => {
    const { job, log } = await fire('stale-custom', londonDay(-8), { MAX_LETTER_AGE_DAYS: '7' });
    await expectRefusedWithNothingSent(job, log, /was 8 days ago, more than MAX_LETTER_AGE_DAYS \(7\)/);
  });

  it('refuses a campaign whose letter date has not come yet', async () => {
    const { job, log } = await fire('early', londonDay(3));
    await expectRefusedWithNothingSent(job, log, /is not due: its letter date .* is 3 day\(s\) away/);
  });

  it('refuses a campaign that is not stored in Redis', async () => {
    harness = await startHarness('missing');
    const { job, log } = await fireStored('2024-25');
    await expectRefusedWithNothingSent(job, log, /campaign 2024-25 is not stored in Redis/);
  });

  it('refuses to fan out a test run', async () => {
    harness = await startHarness('scheduled-test');
    const { job, log } = await fireStored(`${CAMPAIGN}~test`);
    await expectRefusedWithNothingSent(job, log, /is a test run; a scheduled run only ever sends a real campaign/);
  });

  it('is warned about at schedule time when its next run will find the campaign stale', async () => {
    harness = await startHarness('stale-warning');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await approve(harness.config, data);
    const err: string[] = [];
    await scheduleCommand({ data }, harness.config, { out: () => {}, err: (l) => err.push(l) });
    expect(err.join('\n')).toMatch(/warning: the next run will refuse to send: campaign 2023-24 is stale: its letter date 2024-07-17/);
  });
});
