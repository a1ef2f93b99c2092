/**
 * Approving a campaign: a person's word that the letters they previewed may
 * go out, recorded with the sha256 of exactly the files previewed (the data
 * files and every template). `run` and the scheduled run send only while
 * those still match. Writes `campaign.approved` to the delivery log.
 */
import { type Approval, EVENT } from '../domain/index.js';
import { createApproval } from '../safety/approval.js';
import type { Fingerprint } from '../safety/fingerprint.js';
import type { OperationsContext } from './context.js';

export async function approveCampaign(ctx: OperationsContext, campaignId: string, fingerprint: Fingerprint, by: string): Promise<Approval> {
  const approval = createApproval(campaignId, by, fingerprint);
  await ctx.storage.approvals.save(approval);
  ctx.deliveryLog.info(
    { event: EVENT.campaignApproved, campaign: campaignId, by, sha256: approval.sha256, files: Object.keys(approval.files).length },
    EVENT.campaignApproved,
  );
  return approval;
}
