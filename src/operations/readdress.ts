/**
 * An operator's corrected address for a letter that did not arrive, from the
 * command line (`readdress`) and the console alike. Only a `bounced` or
 * `permanent-failure` delivery can be readdressed; the ledger records who
 * changed which address from what to what, and when, and puts the delivery
 * back to queued with a Message-ID of its own; then the authority's letter
 * job runs again, and the ledger's claim sends it once. The allowlist applies
 * here (refused before anything changes) and again at the send; a test run's
 * letters still go to its test inbox. An address at none of the authority's
 * domains (a look-alike domain would be one) needs the operator's reason,
 * recorded with the change, in the delivery log and in the report.
 */
import {
  ActionRefused,
  authorityDomains,
  type DeliveryRecord,
  EVENT,
  emailDomain,
  isAllowed,
  letterMessageId,
  parseLetterMessageId,
  parseResendKey,
} from '../domain/index.js';
import { jobIdOf } from '../schedule/queues.js';
import type { RequeueOutcome } from '../schedule/requeue-job.js';
import type { OperationsContext } from './context.js';
import { runAgain } from './retry.js';

export interface ReaddressRequest {
  campaignId: string;
  authorityId: string;
  recipient: string;
  /** The corrected address, already checked to be one email address. */
  email: string;
  /** Who makes the change: recorded in the ledger, the delivery log and the job's log. */
  by: string;
  /** Why: required when the new address is at none of the authority's domains; recorded when given. */
  reason?: string;
}

export interface Readdressed {
  /** The address the letter had. */
  from: string;
  /** The ledger record now: queued, to the new address, with its new Message-ID. */
  record: DeliveryRecord;
  job: RequeueOutcome;
}

/** Readdresses one delivery and runs its authority's job again; ActionRefused, with nothing changed, when it cannot. */
export async function readdressDelivery(ctx: OperationsContext, request: ReaddressRequest): Promise<Readdressed> {
  const { campaignId, authorityId, recipient, email, by } = request;
  const reason = request.reason?.trim() || undefined;
  const ledger = ctx.storage.ledger(campaignId);
  const delivery = `${campaignId} ${authorityId}/${recipient}`;
  if (!isAllowed(email, ctx.config.RECIPIENT_ALLOWLIST))
    throw new ActionRefused(`${email} is not in RECIPIENT_ALLOWLIST; nothing changed`, 'not-allowed');
  const record = await ledger.get(authorityId, recipient);
  if (!record) throw new ActionRefused(`no delivery ${delivery} in the ledger`, 'not-found');
  if (record.status !== 'bounced' && record.status !== 'permanent-failure') {
    throw new ActionRefused(
      `delivery ${delivery} is ${record.status}; only a bounced or permanent-failure delivery can be readdressed`,
      'conflict',
    );
  }
  if ((await ctx.letters.getJobState(jobIdOf(campaignId, authorityId, recipient))) === 'active') {
    throw new ActionRefused(`the letter job for ${authorityId} is running right now; wait for it to finish, then readdress`, 'conflict');
  }
  // Only now that it could be readdressed: is the new address at one of the authority's domains?
  const authority = await ctx.storage.campaigns.authority(campaignId, authorityId);
  const domains = authority ? authorityDomains(authority) : [];
  const known = domains.includes(emailDomain(email));
  if (!known && !reason) {
    throw new ActionRefused(
      `reason: ${email} is at ${emailDomain(email)}, none of ${authority?.name ?? authorityId}'s domains (${domains.join(', ') || 'none stored'}); ` +
        'give a reason to readdress the letter there; nothing changed',
      'reason-needed',
    );
  }
  // A new letter, recognisably the same delivery's: <campaign.authority.recipient.rN@domain>.
  const domain = parseLetterMessageId(record.messageId)?.domain ?? 'localhost';
  const messageId = letterMessageId(campaignId, authorityId, recipient, domain, (record.readdresses?.length ?? 0) + 1);
  const changed = await ledger.readdress(authorityId, recipient, { email, messageId, by, ...(reason ? { reason } : {}) });
  if (!changed.readdressed)
    throw new ActionRefused(`delivery ${delivery} changed meanwhile (now ${changed.record?.status ?? 'gone'}); nothing done`, 'conflict');
  ctx.deliveryLog.info(
    {
      event: EVENT.deliveryReaddressed,
      campaign: campaignId,
      authorityId,
      recipient,
      from: record.email,
      email,
      previousStatus: record.status,
      previousMessageId: record.messageId,
      messageId,
      by,
      domainKnown: known,
      ...(reason ? { reason } : {}),
    },
    EVENT.deliveryReaddressed,
  );
  const note = `${recipient} readdressed from ${record.email} to ${email} by ${by}${reason ? ` (reason: ${reason})` : ''}`;
  const job = await runAgain(ctx, campaignId, authorityId, by, note, parseResendKey(recipient) ? recipient : undefined);
  return { from: record.email, record: changed.record!, job };
}
