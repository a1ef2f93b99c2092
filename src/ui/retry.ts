/**
 * What the campaign page's Retry buttons do. Both are safe by construction:
 * the worker claims each recipient in the ledger before sending, so a retried
 * job sends only to recipients not yet `sent`, and a retried completed job
 * sends nothing (its job log says so).
 *
 * - Retry a job: BullMQ's retry of a failed or completed job. A recipient
 *   whose ledger record is `permanent-failure` is still skipped.
 * - Retry a delivery: the operator has fixed the cause (the address, the
 *   relay), so the ledger record goes back to `queued` first, then the job
 *   runs again.
 */
import type { Job, Queue } from 'bullmq';
import type { RecipientKey } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { letterJobId, letterJobOptions, type LetterJobData, type RetryPolicy } from '../schedule/queues.js';

export type JobRetryAction = 'retried-failed' | 'retried-completed' | 'promoted' | 'already-waiting' | 're-added';

export interface RetryOutcome {
  jobId: string;
  action: JobRetryAction;
  /** One sentence for the operator. */
  message: string;
}

export class RetryRefused extends Error {
  override name = 'RetryRefused';
  constructor(
    message: string,
    /** HTTP status: 404 nothing to retry, 409 not in a state that can be retried. */
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

export interface RetryContext {
  letters: Queue<LetterJobData>;
  ledger: Ledger;
  campaignId: string;
  policy: RetryPolicy;
  /** Who asked, for the job's log. */
  user: string;
}

/** Runs an authority's letter job again, whatever state it finished in. */
export async function retryJob(ctx: RetryContext, authorityId: string, reason?: string): Promise<RetryOutcome> {
  const jobId = letterJobId(ctx.campaignId, authorityId);
  const job = await ctx.letters.getJob(jobId);
  const note = `retry requested by ${ctx.user} from the ui${reason ? `: ${reason}` : ''}`;
  if (!job) {
    // Removed from the queue (by hand, or by cleaning): add it again under the same id.
    await ctx.letters.add('letter', { campaign: ctx.campaignId, authorityId }, { ...letterJobOptions(ctx.policy), jobId });
    const added = await ctx.letters.getJob(jobId);
    await added?.log(note);
    return { jobId, action: 're-added', message: `job ${jobId} was not in the queue; added it again` };
  }
  const state = await job.getState();
  switch (state) {
    case 'failed':
    case 'completed':
      await job.log(note);
      // A fresh set of attempts: the operator's retry should get the whole backoff schedule.
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      return {
        jobId,
        action: state === 'failed' ? 'retried-failed' : 'retried-completed',
        message:
          state === 'failed'
            ? `job ${jobId} retried: it sends only to recipients not yet sent`
            : `job ${jobId} retried: every recipient was already sent, so it will send nothing`,
      };
    case 'delayed':
      await job.log(note);
      await job.promote();
      return { jobId, action: 'promoted', message: `job ${jobId} was waiting to retry; it runs now` };
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return { jobId, action: 'already-waiting', message: `job ${jobId} is already waiting to run` };
    case 'active':
      throw new RetryRefused(`job ${jobId} is running right now; wait for it to finish, then retry`, 409);
    default:
      throw new RetryRefused(`job ${jobId} is ${state}; it cannot be retried`, 409);
  }
}

/** Puts one failed delivery back to queued, then runs its authority's job again. */
export async function retryDelivery(ctx: RetryContext, authorityId: string, recipient: RecipientKey): Promise<RetryOutcome> {
  const record = await ctx.ledger.get(authorityId, recipient);
  if (!record) throw new RetryRefused(`no delivery ${authorityId}/${recipient} in campaign ${ctx.campaignId}`, 404);
  if (record.status !== 'temporary-failure' && record.status !== 'permanent-failure') {
    throw new RetryRefused(`delivery ${authorityId}/${recipient} is ${record.status}, not failed; nothing to retry`, 409);
  }
  const job: Job<LetterJobData> | undefined = await ctx.letters.getJob(letterJobId(ctx.campaignId, authorityId));
  if (job && (await job.getState()) === 'active') {
    throw new RetryRefused(`the letter job for ${authorityId} is running right now; wait for it to finish, then retry`, 409);
  }
  const reset = await ctx.ledger.reset(authorityId, recipient);
  if (!reset.reset) {
    throw new RetryRefused(`delivery ${authorityId}/${recipient} changed meanwhile (now ${reset.record?.status ?? 'gone'}); reload`, 409);
  }
  return retryJob(ctx, authorityId, `${recipient} was ${record.status} (${record.response ?? 'no reply'}), reset to queued`);
}
