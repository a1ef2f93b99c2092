/**
 * What `run` and `schedule` check before they store a campaign for sending,
 * and what they record when they do. A refusal stores and enqueues nothing.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { show } from '../data/show-value.js';
import { type Approval, isAllowed, isEmail, RunRefused } from '../domain/index.js';
import type { LetterJobData } from '../schedule/queues.js';
import type { CampaignSnapshot, CampaignStore } from '../storage/campaign-store.js';
import type { Ledger } from '../storage/ledger.js';
import { Approvals, checkFilesApproved } from './approval.js';
import type { Fingerprint } from './fingerprint.js';
import { listSome, recipientsOutside } from './recipient-policy.js';
import { discardFinishedTestRun, loadTestNotice, TestRuns, testCampaignId } from './test-mode.js';

/** What the producing commands hold open (src/cli/producer.ts). */
export interface Producing {
  redis: Redis;
  letters: Queue<LetterJobData>;
  store: CampaignStore;
  ledger(namespace: string): Ledger;
}

export interface RunSettings {
  QUEUE_PREFIX: string;
  RECIPIENT_ALLOWLIST?: readonly string[] | undefined;
}

/**
 * A real run: refuses unless every recipient is inside RECIPIENT_ALLOWLIST
 * (when set) and the files are exactly the approved ones; then stores the
 * snapshot (data and compiled templates) and records that what is stored was checked against the approval.
 */
export async function storeApprovedCampaign(
  producer: Producing,
  snapshot: CampaignSnapshot,
  fingerprint: Fingerprint,
  settings: RunSettings,
): Promise<{ campaignId: string; approval: Approval }> {
  const id = snapshot.campaign.id;
  const outside = recipientsOutside(snapshot.authorities, settings.RECIPIENT_ALLOWLIST);
  if (outside.length > 0) {
    throw new RunRefused(`${outside.length} recipient(s) not in RECIPIENT_ALLOWLIST; nothing was enqueued: ${listSome(outside)}`);
  }
  const approvals = new Approvals(producer.redis, settings.QUEUE_PREFIX);
  const check = checkFilesApproved(id, await approvals.get(id), fingerprint.files);
  if (!check.ok) throw new RunRefused(`${check.reason}; nothing was enqueued`);
  const stored = await producer.store.save(snapshot);
  await approvals.recordStored({
    campaign: id,
    version: stored.version,
    files: fingerprint.files,
    approvalSha256: check.approval.sha256,
    at: new Date().toISOString(),
  });
  return { campaignId: id, approval: check.approval };
}

/**
 * A test run: refuses a test inbox outside RECIPIENT_ALLOWLIST, or while the
 * previous test run is still going; otherwise clears the previous test run,
 * stores the test inbox, the test marks' wording (templates/test-mode/; the
 * workers need no template files) and the snapshot as campaign "<id>~test".
 * No approval is needed: a test letter can reach nobody but the test inbox.
 */
export async function storeTestCampaign(
  producer: Producing,
  snapshot: CampaignSnapshot,
  to: string,
  settings: RunSettings,
  templatesDir?: string,
): Promise<{ campaignId: string; discarded: number }> {
  if (!isEmail(to)) throw new RunRefused(`the test inbox ${show(to)} is not one email address; nothing was enqueued`);
  if (!isAllowed(to, settings.RECIPIENT_ALLOWLIST))
    throw new RunRefused(`the test inbox ${to} is not in RECIPIENT_ALLOWLIST; nothing was enqueued`);
  const testId = testCampaignId(snapshot.campaign.id);
  const discarded = await discardFinishedTestRun({
    queue: producer.letters,
    store: producer.store,
    ledger: producer.ledger(testId),
    testCampaign: testId,
  });
  if ('busy' in discarded) throw new RunRefused(`the previous test run is still going (${discarded.busy}); wait for it to finish`);
  const notice = await loadTestNotice(templatesDir);
  await new TestRuns(producer.redis, settings.QUEUE_PREFIX).save({
    campaign: snapshot.campaign.id,
    to,
    startedAt: new Date().toISOString(),
    notice,
  });
  await producer.store.save({ ...snapshot, campaign: { ...snapshot.campaign, id: testId } });
  return { campaignId: testId, discarded: discarded.removed };
}
