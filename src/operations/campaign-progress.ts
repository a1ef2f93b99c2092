/**
 * Where one campaign's run stands, for every door that shows it (the
 * console's header, `run`'s closing lines, `retry` following its jobs): the
 * totals from the ledger and the state the domain derives from them.
 */
import { type CampaignState, campaignStateOf } from '../domain/index.js';
import { type CampaignTotals, campaignTotals } from '../ledger/totals.js';
import { hasUnfinishedJobs } from '../schedule/campaign-jobs.js';
import type { OperationsContext } from './context.js';

export interface CampaignProgress {
  campaign: { id: string; reportingYear: string; storedAt: number; version: string };
  totals: CampaignTotals;
  state: CampaignState;
}

/** The campaign's progress; null when it is not stored. */
export async function campaignProgress(ctx: OperationsContext, campaignId: string): Promise<CampaignProgress | null> {
  const stored = await ctx.storage.campaigns.load(campaignId);
  if (!stored) return null;
  const [totals, jobsUnfinished, breaker] = await Promise.all([
    campaignTotals(ctx.storage.ledger(campaignId), stored.authorityCount),
    hasUnfinishedJobs(ctx.letters, campaignId),
    ctx.storage.breaker.read(),
  ]);
  return {
    campaign: { id: campaignId, reportingYear: stored.campaign.reportingYear, storedAt: stored.storedAt, version: stored.version },
    totals,
    state: campaignStateOf({ deliveries: totals.deliveries, sent: totals.sent, jobsUnfinished, cancelled: stored.cancelled, breaker }),
  };
}
