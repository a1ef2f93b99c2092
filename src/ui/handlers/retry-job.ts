/**
 * The operator's "Retry job": BullMQ's retry of an authority's letter job,
 * whatever state it finished in. Safe by construction: the worker claims each
 * recipient in the ledger before sending, so a retried job sends only to
 * recipients not yet `sent` (a `permanent-failure` is still skipped), and a
 * retried completed job sends nothing (its job log says so).
 * Checks the state, acts, and answers with a named error when it cannot.
 */
import type { Queue } from 'bullmq';
import type { Ledger } from '../../storage/ledger.js';
import { letterJobId, letterJobOptions, type LetterJobData, type RetryPolicy } from '../../schedule/queues.js';
import type { ApiRetryOutcome } from '../api-types.js';
import { ConflictError } from '../http-errors.js';

export type JobRetryAction = 'retried-failed' | 'retried-completed' | 'promoted' | 'already-waiting' | 're-added';

export interface RetryOutcome extends ApiRetryOutcome {
  action: JobRetryAction;
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
      throw new ConflictError(`job ${jobId} is running right now; wait for it to finish, then retry`);
    default:
      throw new ConflictError(`job ${jobId} is ${state}; it cannot be retried`);
  }
}
