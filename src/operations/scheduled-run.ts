/**
 * The annual run when its Job Scheduler fires (the campaigns worker): fan
 * the stored campaign out exactly as `run` does, unless it must not happen
 * (not stored, stale or early, not approved, changed since approval): then
 * nothing is added and the refusal is logged as `campaign.refused`.
 */
import { EVENT } from '../domain/index.js';
import { scheduledRunRefusal } from '../safety/scheduled-run.js';
import type { OperationsContext } from './context.js';
import { type FanOutResult, fanOut } from './fan-out.js';

/** Who the delivery log names for what the annual schedule does by itself. */
export const SCHEDULER = 'scheduler';

export async function runScheduledFanOut(
  ctx: OperationsContext,
  campaignId: string,
  now = Date.now(),
): Promise<{ refused: string } | { result: FanOutResult }> {
  const { campaigns, approvals } = ctx.storage;
  const [stored, approval, storedCheck] = await Promise.all([
    campaigns.load(campaignId),
    approvals.get(campaignId),
    approvals.getStored(campaignId),
  ]);
  const refused = scheduledRunRefusal({ campaignId, stored, approval, storedCheck, maxAgeDays: ctx.config.MAX_LETTER_AGE_DAYS, now });
  if (refused) {
    ctx.deliveryLog.warn({ event: EVENT.campaignRefused, campaign: campaignId, by: SCHEDULER, reason: refused }, EVENT.campaignRefused);
    return { refused };
  }
  return { result: await fanOut(ctx, { campaignId, by: SCHEDULER }) };
}
