/**
 * The operator's "Retry" on one failed delivery: the operator has fixed the
 * cause (the address, the relay), so the ledger record goes back to `queued`
 * first, then the authority's letter job runs again (see retry-job.ts).
 * Checks the state, acts, and answers with a named error when it cannot.
 */
import type { Job } from 'bullmq';
import type { RecipientKey } from '../../domain/index.js';
import { letterJobId, type LetterJobData } from '../../schedule/queues.js';
import { ConflictError, NotFoundError } from '../http-errors.js';
import { retryJob, type RetryContext, type RetryOutcome } from './retry-job.js';

/** Puts one failed delivery back to queued, then runs its authority's job again. */
export async function retryDelivery(ctx: RetryContext, authorityId: string, recipient: RecipientKey): Promise<RetryOutcome> {
  const record = await ctx.ledger.get(authorityId, recipient);
  if (!record) throw new NotFoundError(`no delivery ${authorityId}/${recipient} in campaign ${ctx.campaignId}`);
  if (record.status !== 'temporary-failure' && record.status !== 'permanent-failure') {
    throw new ConflictError(`delivery ${authorityId}/${recipient} is ${record.status}, not failed; nothing to retry`);
  }
  const job: Job<LetterJobData> | undefined = await ctx.letters.getJob(letterJobId(ctx.campaignId, authorityId));
  if (job && (await job.getState()) === 'active') {
    throw new ConflictError(`the letter job for ${authorityId} is running right now; wait for it to finish, then retry`);
  }
  const reset = await ctx.ledger.reset(authorityId, recipient);
  if (!reset.reset) {
    throw new ConflictError(`delivery ${authorityId}/${recipient} changed meanwhile (now ${reset.record?.status ?? 'gone'}); reload`);
  }
  return retryJob(ctx, authorityId, `${recipient} was ${record.status} (${record.response ?? 'no reply'}), reset to queued`);
}
