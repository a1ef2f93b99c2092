/**
 * The annual Job Scheduler: when it fires, a worker fans the stored campaign
 * out exactly as `run` does.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleCommand, unscheduleCommand } from '../src/cli/commands/schedule.js';
import { TIMEZONE } from '../src/domain/index.js';
import { listAnnualSchedulers, schedulerId } from '../src/schedule/annual-scheduler.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { londonDay, setLetterDate } from './support/safety.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the annual scheduler', () => {
  it("is upserted once, at the campaign's send date and time (09:00 on 17 July 2024) London time, however often schedule runs", async () => {
    harness = await startHarness('schedule-default');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await approve(harness.config, data);
    const lines: string[] = [];
    const print = { out: (l: string) => lines.push(l), err: () => {} };
    await scheduleCommand({ data }, harness.config, print);
    await scheduleCommand({ data }, harness.config, print);

    const schedulers = await harness.producer.campaigns.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: schedulerId('2023-24'), pattern: '0 9 17 7 *', tz: TIMEZONE });
    const next = new Date(schedulers[0]!.next!);
    expect(next.toLocaleString('en-GB', { timeZone: TIMEZONE, month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' })).toBe(
      '17 July at 09:00',
    );
    // The fire time as BullMQ has it: 09:00, not a millisecond before it.
    expect(lines.at(-1)).toMatch(
      /^scheduled campaign 2023-24: cron "0 9 17 7 \*" \(Europe\/London\); next run 17 July 20\d\d at 09:00 London time$/,
    );
  });

  it('fans the stored campaign out when it fires, and its letters are delivered once', async () => {
    harness = await startHarness('schedule-fires');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta', head: false }]);
    // The scheduled run sends only an approved campaign whose letter date is due.
    await setLetterDate(data, londonDay());
    await approve(harness.config, data);
    await harness.startWorker();
    // Every second, so the test sees it fire; the scheduler is removed with the prefix afterwards.
    await scheduleCommand({ data, cron: '* * * * * *' }, harness.config, quietPrint);

    await expect.poll(() => harness!.sink.received.length, { timeout: 15_000 }).toBe(3);
    // Later firings find the jobs already there and add nothing.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(harness.sink.received.map((m) => m.letter).sort()).toEqual(['2023-24/alpha/ceo', '2023-24/alpha/head', '2023-24/beta/ceo']);
    await harness.producer.campaigns.removeJobScheduler(schedulerId('2023-24'));
  });

  it('keeps one schedule per campaign: scheduling a second leaves the first, and --remove removes only its own', async () => {
    harness = await startHarness('schedule-two');
    const first = await writeDataSet(join(harness.dir, 'first'), [{ id: 'alpha' }]);
    const second = await writeDataSet(join(harness.dir, 'second'), [{ id: 'alpha' }]);
    const file = join(second, 'campaign.json');
    await writeFile(file, JSON.stringify({ ...(JSON.parse(await readFile(file, 'utf8')) as object), id: '2024-25' }, null, 2));
    await approve(harness.config, first);
    await approve(harness.config, second);

    await scheduleCommand({ data: first }, harness.config, quietPrint);
    await scheduleCommand({ data: second, cron: '0 10 18 7 *' }, harness.config, quietPrint);
    const both = await listAnnualSchedulers(harness.producer.campaigns);
    expect(both.map((s) => [s.campaign, s.cron])).toEqual([
      ['2023-24', '0 9 17 7 *'],
      ['2024-25', '0 10 18 7 *'],
    ]);

    const out: string[] = [];
    await unscheduleCommand({ campaign: '2023-24' }, harness.config, { out: (l) => void out.push(l), err: () => {} });
    expect(out).toEqual(['removed the schedule of campaign 2023-24']);
    expect((await listAnnualSchedulers(harness.producer.campaigns)).map((s) => s.campaign)).toEqual(['2024-25']);
    await expect(unscheduleCommand({ campaign: '2023-24' }, harness.config, quietPrint)).rejects.toThrow(
      'campaign 2023-24 is not scheduled',
    );
  });
});
