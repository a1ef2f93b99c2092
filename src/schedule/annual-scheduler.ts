/**
 * The annual Job Schedulers (BullMQ's replacement for repeatable jobs): one
 * per campaign, "annual-review-<campaign>", each firing a fan-out job for its
 * campaign. Scheduling a second campaign adds a second scheduler; upserting a
 * campaign's again replaces only its own.
 */
import type { Queue } from 'bullmq';
import { type Campaign, TIMEZONE } from '../domain/index.js';
import type { FanOutJobData } from './queues.js';

/** The one scheduler of earlier versions, whichever campaign it named; replaced by the per-campaign ones. */
export const LEGACY_SCHEDULER_ID = 'annual-review';
export function schedulerId(campaign: string): string {
  return `${LEGACY_SCHEDULER_ID}-${campaign}`;
}

/** The campaign's send date and time as a yearly cron pattern: "09:00" on 2025-05-21 is "0 9 21 5 *". */
export function cronOf(campaign: Pick<Campaign, 'letterDate' | 'sendTime'>): string {
  const [, month, day] = campaign.letterDate.split('-').map(Number);
  const [hour, minute] = campaign.sendTime.split(':').map(Number);
  return `${minute} ${hour} ${day} ${month} *`;
}

export interface ScheduledRun {
  campaign: string;
  cron: string;
  /** When the next fan-out fires (ms since epoch), as BullMQ's scheduler has it. */
  next?: number;
}

export async function upsertAnnualScheduler(queue: Queue<FanOutJobData>, campaign: string, cron: string): Promise<ScheduledRun> {
  await queue.upsertJobScheduler(
    schedulerId(campaign),
    { pattern: cron, tz: TIMEZONE },
    { name: 'fan-out', data: { campaign }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 } } },
  );
  // An earlier version's single scheduler for the same campaign would fire it twice (harmlessly, the
  // fan-out adds nothing twice); one for another campaign is that campaign's and stays.
  const legacy = await queue.getJobScheduler(LEGACY_SCHEDULER_ID);
  if (legacy?.template?.data?.campaign === campaign) await queue.removeJobScheduler(LEGACY_SCHEDULER_ID);
  return (await scheduledRun(queue, campaign)) ?? { campaign, cron };
}

/** Removes a campaign's scheduler. Returns false when it had none. */
export async function removeAnnualScheduler(queue: Queue<FanOutJobData>, campaign: string): Promise<boolean> {
  const removed = await queue.removeJobScheduler(schedulerId(campaign));
  const legacy = await queue.getJobScheduler(LEGACY_SCHEDULER_ID);
  if (legacy?.template?.data?.campaign === campaign) return (await queue.removeJobScheduler(LEGACY_SCHEDULER_ID)) || removed;
  return removed;
}

/**
 * The campaign's schedule, read from BullMQ's own record of it. Its `next` is
 * the fire time itself (a fan-out job's timestamp plus delay can land a
 * millisecond early, which printed "08:59:59" for a 09:00 fire).
 */
export async function scheduledRun(queue: Queue<FanOutJobData>, campaign: string): Promise<ScheduledRun | null> {
  const all = await listAnnualSchedulers(queue);
  return all.find((s) => s.campaign === campaign) ?? null;
}

/** Every campaign's schedule, soonest first. */
export async function listAnnualSchedulers(queue: Queue<FanOutJobData>): Promise<ScheduledRun[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  return schedulers
    .map((s) => ({
      campaign: s.template?.data?.campaign ?? s.key.slice(LEGACY_SCHEDULER_ID.length + 1),
      cron: s.pattern ?? '',
      ...(s.next === undefined ? {} : { next: Number(s.next) }),
    }))
    .sort((a, b) => (a.next ?? Infinity) - (b.next ?? Infinity));
}
