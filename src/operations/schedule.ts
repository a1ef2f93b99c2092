/**
 * The annual run's schedule: `schedule --data DIR` stores the campaign (the
 * same snapshot `run` stores) and upserts its own Job Scheduler, firing on the
 * campaign's letter date at its send time, London time; `schedule --remove`
 * removes one campaign's; `schedule` alone lists them all.
 */
import { EVENT, TIMEZONE } from '../domain/index.js';
import { letterDateRefusal } from '../safety/staleness.js';
import {
  cronOf,
  listAnnualSchedulers,
  removeAnnualScheduler,
  type ScheduledRun,
  upsertAnnualScheduler,
} from '../schedule/annual-scheduler.js';
import type { OperationsContext } from './context.js';
import { type StoredForSending, type StoreRequest, storeCampaign } from './store-campaign.js';

export interface ScheduleRequest extends Omit<StoreRequest, 'testTo'> {
  /** A cron pattern instead of the campaign's letterDate at its sendTime. */
  cron?: string;
}

export interface Scheduled {
  stored: StoredForSending;
  run: ScheduledRun;
  /** Why the next fire will refuse to send (a letter date too old or not yet come), when it will. */
  warning: string | null;
}

export async function scheduleCampaign(ctx: OperationsContext, request: ScheduleRequest): Promise<Scheduled> {
  const campaign = request.data.campaign;
  const stored = await storeCampaign(ctx, request);
  const cron = request.cron ?? cronOf(campaign);
  const run = await upsertAnnualScheduler(ctx.campaigns, campaign.id, cron);
  ctx.deliveryLog.info(
    { event: EVENT.campaignScheduled, campaign: campaign.id, by: request.by, cron, timeZone: TIMEZONE, next: run.next },
    EVENT.campaignScheduled,
  );
  const warning = run.next === undefined ? null : letterDateRefusal(campaign, run.next, ctx.config.MAX_LETTER_AGE_DAYS);
  return { stored, run, warning };
}

/** Removes one campaign's schedule; false when it had none. */
export async function unscheduleCampaign(ctx: OperationsContext, campaignId: string, by: string): Promise<boolean> {
  const removed = await removeAnnualScheduler(ctx.campaigns, campaignId);
  if (removed) ctx.deliveryLog.info({ event: EVENT.campaignUnscheduled, campaign: campaignId, by }, EVENT.campaignUnscheduled);
  return removed;
}

/** Every campaign's schedule, soonest first. */
export function listSchedules(ctx: OperationsContext): Promise<ScheduledRun[]> {
  return listAnnualSchedulers(ctx.campaigns);
}
