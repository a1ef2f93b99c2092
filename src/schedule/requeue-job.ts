/**
 * Runs an authority's letter job again, whatever state it is in. Safe by
 * construction: the worker claims each recipient in the ledger before
 * sending, so the job sends only to recipients not yet `sent` (and skips
 * `permanent-failure` records unless an operator reset them first).
 * The queue's side of every operation that runs a job again (retry,
 * readdress): src/operations decides when, this does it.
 */
import type { Queue } from 'bullmq';
import { isTestCampaign, parseResendKey, type RetryPolicy } from '../domain/index.js';
import { type LetterJobData, letterJobId, letterJobOptions, resendJobId } from './queues.js';

export type RequeueAction =
  | 'retried-failed'
  | 'retried-completed'
  | 'promoted'
  | 'already-waiting'
  | 're-added'
  | 'running'
  | 'unknown-state';

export interface RequeueOutcome {
  jobId: string;
  action: RequeueAction;
  /** The job's state before, e.g. "failed"; "missing" when it was not in the queue. */
  state: string;
}

/**
 * @param note - written to the job's log (who asked, and why), so the queue UI shows it.
 * @param deliveryKey - a resend's key ("ceo~resend-1"): its own job is run, not the authority's.
 */
export async function requeueLetterJob(
  letters: Queue<LetterJobData>,
  policy: RetryPolicy,
  campaignId: string,
  authorityId: string,
  note: string,
  deliveryKey?: string,
): Promise<RequeueOutcome> {
  const resendOf = deliveryKey ? parseResendKey(deliveryKey) : null;
  const resend = resendOf && deliveryKey ? { recipient: resendOf.recipient, key: deliveryKey } : undefined;
  const jobId = resend ? resendJobId(campaignId, authorityId, resend.key) : letterJobId(campaignId, authorityId);
  const job = await letters.getJob(jobId);
  if (!job) {
    // Removed from the queue (by hand, or by cleaning): add it again under the same id.
    const data: LetterJobData = {
      campaign: campaignId,
      authorityId,
      ...(isTestCampaign(campaignId) ? { test: true as const } : {}),
      ...(resend ? { resend } : {}),
    };
    await letters.add('letter', data, { ...letterJobOptions(policy), jobId });
    await (await letters.getJob(jobId))?.log(note);
    return { jobId, action: 're-added', state: 'missing' };
  }
  const state = await job.getState();
  switch (state) {
    case 'failed':
    case 'completed':
      await job.log(note);
      // A fresh set of attempts: the operator's retry should get the whole backoff schedule.
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      return { jobId, action: state === 'failed' ? 'retried-failed' : 'retried-completed', state };
    case 'delayed':
      await job.log(note);
      await job.promote();
      return { jobId, action: 'promoted', state };
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return { jobId, action: 'already-waiting', state };
    case 'active':
      return { jobId, action: 'running', state };
    default:
      return { jobId, action: 'unknown-state', state };
  }
}
