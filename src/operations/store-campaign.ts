/**
 * Storing a campaign for sending, for `run` and `schedule` alike: exactly
 * what was validated (the data, the templates compiled once, every
 * authority's own attachments) goes into Redis as one snapshot, so the
 * workers send exactly that and need no data files. A real run stores only
 * files that are exactly the approved ones and inside RECIPIENT_ALLOWLIST; a
 * test run stores under "<id>~test" with its test inbox. A refusal
 * (RunRefused) stores nothing.
 */
import { attachmentReader } from '../data/attachments-folder.js';
import { show } from '../data/show-value.js';
import { type Approval, type Authority, type Campaign, EVENT, isAllowed, isEmail, RunRefused, testCampaignId } from '../domain/index.js';
import { compileLetter } from '../render/letter-renderer.js';
import { loadTestNotice } from '../render/test-notice.js';
import { checkFilesApproved } from '../safety/approval.js';
import type { Fingerprint } from '../safety/fingerprint.js';
import { listSome, recipientsOutside } from '../safety/recipient-policy.js';
import type { CampaignSnapshot } from '../storage/campaign-store.js';
import type { OperationsContext } from './context.js';
import { discardFinishedTestRun } from './discard-test-run.js';

/** A validated campaign folder. */
export interface CampaignData {
  campaign: Campaign;
  authorities: Authority[];
  /** The folder, where the authorities' own attachments are read from. */
  dir: string;
}

export interface StoreRequest {
  data: CampaignData;
  /** The templates to compile: the campaign folder's templates/. */
  templatesDir: string;
  /** The files as they are now: a real run goes ahead only if they are the approved ones. */
  fingerprint: Fingerprint;
  /** Who stores it (`--by`, default the operating-system user). */
  by: string;
  /** A test run: every letter goes to this one inbox. */
  testTo?: string;
  /** The test marks' wording. Default: the package's templates/test-mode. */
  testNoticeDir?: string;
}

export interface StoredForSending {
  /** The stored campaign's id: the campaign's, or "<id>~test". */
  campaignId: string;
  /** A real run: the approval its files matched. */
  approval?: Approval;
  /** A test run: its inbox, and how many finished jobs of the previous test run were cleared. */
  test?: { to: string; discarded: number };
  version: string;
}

export async function storeCampaign(ctx: OperationsContext, request: StoreRequest): Promise<StoredForSending> {
  const { data } = request;
  const letter = await compileLetter(data.campaign, { templatesDir: request.templatesDir });
  const snapshot: CampaignSnapshot = {
    campaign: data.campaign,
    authorities: data.authorities,
    letter,
    readAttachment: attachmentReader(data.dir),
  };
  const stored = request.testTo
    ? await storeTest(ctx, snapshot, request.testTo, request.testNoticeDir)
    : await storeReal(ctx, snapshot, request);
  ctx.deliveryLog.info(
    {
      event: EVENT.campaignStored,
      campaign: stored.campaignId,
      by: request.by,
      version: stored.version,
      authorities: data.authorities.length,
      ...(stored.approval ? { approvalSha256: stored.approval.sha256, approvedBy: stored.approval.by } : {}),
      ...(stored.test ? { testInbox: stored.test.to } : {}),
    },
    EVENT.campaignStored,
  );
  return stored;
}

async function storeReal(ctx: OperationsContext, snapshot: CampaignSnapshot, request: StoreRequest): Promise<StoredForSending> {
  const id = snapshot.campaign.id;
  const outside = recipientsOutside(snapshot.authorities, ctx.config.RECIPIENT_ALLOWLIST);
  if (outside.length > 0) {
    throw new RunRefused(`${outside.length} recipient(s) not in RECIPIENT_ALLOWLIST; nothing was enqueued: ${listSome(outside)}`);
  }
  const approvals = ctx.storage.approvals;
  const check = checkFilesApproved(id, await approvals.get(id), request.fingerprint.files);
  if (!check.ok) throw new RunRefused(`${check.reason}; nothing was enqueued`);
  const stored = await ctx.storage.campaigns.save(snapshot);
  await approvals.recordStored({
    campaign: id,
    version: stored.version,
    files: request.fingerprint.files,
    approvalSha256: check.approval.sha256,
    at: new Date().toISOString(),
  });
  return { campaignId: id, approval: check.approval, version: stored.version };
}

/**
 * A test run needs no approval: its letters reach nobody but the test inbox.
 * It refuses an inbox outside RECIPIENT_ALLOWLIST, or while the previous test
 * run is still going; otherwise it clears the previous one.
 */
async function storeTest(ctx: OperationsContext, snapshot: CampaignSnapshot, to: string, noticeDir?: string): Promise<StoredForSending> {
  if (!isEmail(to)) throw new RunRefused(`the test inbox ${show(to)} is not one email address; nothing was enqueued`);
  if (!isAllowed(to, ctx.config.RECIPIENT_ALLOWLIST))
    throw new RunRefused(`the test inbox ${to} is not in RECIPIENT_ALLOWLIST; nothing was enqueued`);
  const testId = testCampaignId(snapshot.campaign.id);
  const discarded = await discardFinishedTestRun(ctx, testId);
  if ('busy' in discarded) throw new RunRefused(`the previous test run is still going (${discarded.busy}); wait for it to finish`);
  const notice = await loadTestNotice(noticeDir);
  await ctx.storage.testRuns.save({ campaign: snapshot.campaign.id, to, startedAt: new Date().toISOString(), notice });
  const stored = await ctx.storage.campaigns.save({ ...snapshot, campaign: { ...snapshot.campaign, id: testId } });
  return { campaignId: testId, test: { to, discarded: discarded.removed }, version: stored.version };
}
