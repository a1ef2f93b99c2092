/**
 * The operator's "Retry" on one failed delivery: the operator has fixed the
 * cause (the address, the relay), so the ledger record goes back to `queued`
 * first, recording who asked, then the authority's letter job runs again
 * (see retry-job.ts). Checks the state, acts, and answers with a named error
 * when it cannot.
 */
import type { Authority, RecipientKey } from '../../domain/index.js';
import { letterJobId } from '../../schedule/queues.js';
import { ConflictError, NotFoundError } from '../http-errors.js';
import { type RetryContext, type RetryOutcome, retryJob } from './retry-job.js';

/** Puts one failed delivery back to queued, then runs its authority's job again. */
export async function retryDelivery(ctx: RetryContext, authority: Authority, recipient: RecipientKey): Promise<RetryOutcome> {
  const authorityId = authority.id;
  const record = await ctx.ledger.get(authorityId, recipient);
  if (!record) throw new NotFoundError(`no delivery ${authorityId}/${recipient} in campaign ${ctx.campaignId}`);
  if (record.status !== 'temporary-failure' && record.status !== 'permanent-failure') {
    throw new ConflictError(`delivery ${authorityId}/${recipient} is ${record.status}, not failed; nothing to retry`);
  }
  if ((await ctx.letters.getJobState(letterJobId(ctx.campaignId, authorityId))) === 'active') {
    throw new ConflictError(`the letter job for ${authorityId} is running right now; wait for it to finish, then retry`);
  }
  const reset = await ctx.ledger.reset(authorityId, recipient, ctx.user);
  if (!reset.reset) {
    throw new ConflictError(`delivery ${authorityId}/${recipient} changed meanwhile (now ${reset.record?.status ?? 'gone'}); reload`);
  }
  return retryJob(ctx, authority, `${recipient} was ${record.status} (${record.response ?? 'no reply'}), reset to queued`);
}
