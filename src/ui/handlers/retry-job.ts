/**
 * The operator's "Retry job": runs an authority's letter job again when some
 * recipient is still owed (queued, or a temporary failure), and says exactly
 * whom it will send to; when nobody is owed (all sent, or the rest are
 * permanent failures) it runs nothing and says so. Safe by construction: the
 * worker claims each recipient in the ledger before sending, so the job sends
 * only to recipients not yet `sent`, and a `permanent-failure` is not owed
 * until an operator resets it. Checks the state, acts, and answers with a
 * named error when it cannot.
 */
import type { Queue } from 'bullmq';
import { type Authority, type DeliveryRecord, type RecipientKey, recipientsOf } from '../../domain/index.js';
import { type LetterJobData, letterJobId, type RetryPolicy } from '../../schedule/queues.js';
import { type RequeueAction, requeueLetterJob } from '../../schedule/requeue-job.js';
import type { Ledger } from '../../storage/ledger.js';
import type { ApiRetryOutcome } from '../api-types.js';
import { ConflictError } from '../http-errors.js';

export type JobRetryAction = Exclude<RequeueAction, 'running' | 'unknown-state'> | 'nothing-to-send';

export interface RetryOutcome extends ApiRetryOutcome {
  action: JobRetryAction;
}

export interface RetryContext {
  letters: Queue<LetterJobData>;
  ledger: Ledger;
  campaignId: string;
  policy: RetryPolicy;
  /** Who asked, for the job's log and the ledger record. */
  user: string;
}

/** Each recipient of the authority, sorted by what a run of its job would do for them. */
async function owedRecipients(ctx: RetryContext, authority: Authority) {
  const keys = recipientsOf(authority).map((r) => r.key);
  const records = new Map((await ctx.ledger.forAuthority(authority.id, keys)).map((r) => [r.recipient, r]));
  const owed: RecipientKey[] = [];
  const sent: RecipientKey[] = [];
  const permanent: DeliveryRecord[] = [];
  for (const key of keys) {
    const record = records.get(key);
    if (record?.status === 'sent') sent.push(key);
    else if (record?.status === 'permanent-failure') permanent.push(record);
    else owed.push(key);
  }
  return { owed, sent, permanent };
}

function listRest(sent: RecipientKey[], permanent: DeliveryRecord[]): string {
  const parts: string[] = [];
  if (sent.length > 0) parts.push(`${sent.join(', ')} already sent`);
  for (const p of permanent)
    parts.push(
      `${p.recipient} stays a permanent failure (${p.response ?? 'no reply'}; use Retry on that delivery once its cause is fixed)`,
    );
  return parts.join('; ');
}

/** Runs an authority's letter job again when some recipient is still owed, and says exactly whom it will send to. */
export async function retryJob(ctx: RetryContext, authority: Authority, reason?: string): Promise<RetryOutcome> {
  const { owed, sent, permanent } = await owedRecipients(ctx, authority);
  const jobId = letterJobId(ctx.campaignId, authority.id);
  const rest = listRest(sent, permanent);
  if (owed.length === 0) {
    return { jobId, action: 'nothing-to-send', willSend: [], message: `nothing to send, so job ${jobId} was not run again: ${rest}` };
  }
  const note = `retry requested by ${ctx.user} from the ui${reason ? `: ${reason}` : ''}; will send to ${owed.join(', ')}`;
  const outcome = await requeueLetterJob(ctx.letters, ctx.policy, ctx.campaignId, authority.id, note);
  const whom = `will send to ${owed.join(', ')}${rest ? `; ${rest}` : ''}`;
  switch (outcome.action) {
    case 'running':
      throw new ConflictError(`job ${jobId} is running right now; wait for it to finish, then retry`);
    case 'unknown-state':
      throw new ConflictError(`job ${jobId} is ${outcome.state}; it cannot be retried`);
    case 're-added':
      return { jobId, action: outcome.action, willSend: owed, message: `job ${jobId} was not in the queue; added it again: it ${whom}` };
    case 'promoted':
      return { jobId, action: outcome.action, willSend: owed, message: `job ${jobId} was waiting to retry; it runs now and ${whom}` };
    case 'already-waiting':
      return { jobId, action: outcome.action, willSend: owed, message: `job ${jobId} is already waiting to run; it ${whom}` };
    default:
      return { jobId, action: outcome.action, willSend: owed, message: `job ${jobId} runs again and ${whom}` };
  }
}
