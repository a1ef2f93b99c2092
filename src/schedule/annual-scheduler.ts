/**
 * The annual Job Scheduler (BullMQ 6's replacement for repeatable jobs). One
 * scheduler, "annual-review", fires a fan-out job for the campaign it names;
 * upserting it for next year's campaign replaces this year's.
 */
import type { Queue } from 'bullmq';
import type { Campaign } from '../domain/index.js';
import type { FanOutJobData } from './queues.js';

export const ANNUAL_SCHEDULER_ID = 'annual-review';
export const TIMEZONE = 'Europe/London';

/** The campaign's send date and time as a yearly cron pattern: "09:00" on 2025-05-21 is "0 9 21 5 *". */
export function cronOf(campaign: Pick<Campaign, 'letterDate' | 'sendTime'>): string {
  const [, month, day] = campaign.letterDate.split('-').map(Number);
  const [hour, minute] = campaign.sendTime.split(':').map(Number);
  return `${minute} ${hour} ${day} ${month} *`;
}

export interface ScheduledRun {
  campaign: string;
  cron: string;
  /** When the next fan-out fires (ms since epoch), if BullMQ says. */
  next?: number;
}

export async function upsertAnnualScheduler(
  queue: Queue<FanOutJobData>,
  campaign: string,
  cron: string,
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
