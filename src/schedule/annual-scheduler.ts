/**
 * The annual Job Scheduler (BullMQ 6's replacement for repeatable jobs). One
 * scheduler, "annual-review", fires a fan-out job for the campaign it names;
 * upserting it for next year's campaign replaces this year's.
 */
import type { Queue } from 'bullmq';
import type { FanOutJobData } from './queues.js';

export const ANNUAL_SCHEDULER_ID = 'annual-review';
/** 09:00 on 17 July, the day the 2023-24 letters went out. */
export const DEFAULT_CRON = '0 9 17 7 *';
export const TIMEZONE = 'Europe/London';

export interface ScheduledRun {
  campaign: string;
  cron: string;
  /** When the next fan-out fires (ms since epoch), if BullMQ says. */
  next?: number;
}

export async function upsertAnnualScheduler(
  queue: Queue<FanOutJobData>,
  campaign: string,
  cron: string = DEFAULT_CRON,
): Promise<ScheduledRun> {
  const job = await queue.upsertJobScheduler(
    ANNUAL_SCHEDULER_ID,
    { pattern: cron, tz: TIMEZONE },
    { name: 'fan-out', data: { campaign }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 } } },
  );
  return { campaign, cron, next: job.timestamp + (job.opts.delay ?? 0) };
}

export async function removeAnnualScheduler(queue: Queue<FanOutJobData>): Promise<boolean> {
  return queue.removeJobScheduler(ANNUAL_SCHEDULER_ID);
}
