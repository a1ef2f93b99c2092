/**
 * An operator's corrected address for a letter that did not arrive, from the
 * command line (`readdress`) and the console alike. Only a `bounced` or
 * `permanent-failure` delivery can be readdressed; the ledger records who
 * changed which address from what to what, and when, and puts the delivery
 * back to queued with a Message-ID of its own; then the authority's letter
 * job runs again, and the ledger's claim sends it once. The allowlist applies
 * here (refused before anything changes) and again at the send; a test run's
 * letters still go to its test inbox.
 */
import type { Queue } from 'bullmq';
import { ActionRefused, type DeliveryRecord, isAllowed } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { type LetterJobData, letterJobId, type RetryPolicy } from './queues.js';
import { type RequeueOutcome, requeueLetterJob } from './requeue-job.js';

export interface ReaddressContext {
  letters: Queue<LetterJobData>;
  ledger: Ledger;
  campaignId: string;
  policy: RetryPolicy;
  /** Who makes the change: recorded in the ledger and the job's log. */
  user: string;
  /** Where: "the ui" or "the command line", for the job's log. */
  from: string;
}

export interface ReaddressRequest {
  authorityId: string;
  recipient: string;
  /** The corrected address, already checked to be one email address. */
  email: string;
  /** RECIPIENT_ALLOWLIST. */
  allowlist: readonly string[] | undefined;
}

export interface Readdressed {
  /** The address the letter had. */
  from: string;
  /** The ledger record now: queued, to the new address, with its new Message-ID. */
  record: DeliveryRecord;
  job: RequeueOutcome;
}

/** Readdresses one delivery and runs its authority's job again; ActionRefused, with nothing changed, when it cannot. */
export async function readdressDelivery(ctx: ReaddressContext, request: ReaddressRequest): Promise<Readdressed> {
  const { authorityId, recipient, email } = request;
  const delivery = `${ctx.campaignId} ${authorityId}/${recipient}`;
  if (!isAllowed(email, request.allowlist))
    throw new ActionRefused(`${email} is not in RECIPIENT_ALLOWLIST; nothing changed`, 'not-allowed');
  const record = await ctx.ledger.get(authorityId, recipient);
  if (!record) throw new ActionRefused(`no delivery ${delivery} in the ledger`, 'not-found');
  if (record.status !== 'bounced' && record.status !== 'permanent-failure') {
    throw new ActionRefused(
      `delivery ${delivery} is ${record.status}; only a bounced or permanent-failure delivery can be readdressed`,
      'conflict',
    );
  }
  const running = await ctx.letters.getJob(letterJobId(ctx.campaignId, authorityId));
  if (running && (await running.getState()) === 'active') {
    throw new ActionRefused(`the letter job for ${authorityId} is running right now; wait for it to finish, then readdress`, 'conflict');
  }
  // <campaign.authority.recipient.rN@domain>: a new letter, recognisably the same delivery's.
  const n = (record.readdresses?.length ?? 0) + 1;
  const domain = /@([^>]+)>$/.exec(record.messageId)?.[1] ?? 'localhost';
  const messageId = `<${ctx.campaignId}.${authorityId}.${recipient}.r${n}@${domain}>`;
  const changed = await ctx.ledger.readdress(authorityId, recipient, { email, messageId, by: ctx.user });
  if (!changed.readdressed)
    throw new ActionRefused(`delivery ${delivery} changed meanwhile (now ${changed.record?.status ?? 'gone'}); nothing done`, 'conflict');
  const note = `${recipient} readdressed from ${record.email} to ${email} by ${ctx.user} from ${ctx.from}`;
  const job = await requeueLetterJob(ctx.letters, ctx.policy, ctx.campaignId, authorityId, note);
  return { from: record.email, record: changed.record!, job };
}
