/**
 * Delivers one authority's letters: for each recipient, claim it in the
 * ledger, send, record the outcome, log it. The claim is what makes a retried
 * job safe: a recipient already `sent`, or claimed by a live worker, is skipped.
 */
import type { Logger } from 'pino';
import type { Campaign } from '../data/campaign.js';
import { recipientsOf, type Authority, type Recipient, type RenderedLetter } from '../domain.js';
import type { Ledger } from '../ledger/ledger.js';
import { letterMessageId, sendMessage, type Address } from './send-message.js';
import type { MailTransport } from './transport.js';

export interface LetterSource {
  render(authority: Authority, recipient: Recipient): RenderedLetter;
}

export interface DeliveryContext {
  campaign: Campaign;
  renderer: LetterSource;
  transport: MailTransport;
  ledger: Ledger;
  /** Receives `delivery.*` events: the delivery log. */
  deliveryLog: Logger;
  /** Identifies this worker's claims in the ledger, e.g. "host:pid:job". */
  owner: string;
  leaseMs: number;
  /** MAIL_FROM, when set, overrides the campaign's From. */
  from?: Address;
}

export interface RecipientResult {
  recipient: string;
  email: string;
  outcome: 'sent' | 'already-sent' | 'held-by-other' | 'temporary-failure' | 'permanent-failure';
  response?: string;
}

export interface AuthorityResult {
  results: RecipientResult[];
  /** Some recipient may still be sent by a later attempt of the same job. */
  retryable: boolean;
  /** Some recipient failed for good; the job must end failed once nothing is retryable. */
  permanent: boolean;
}

export async function deliverAuthority(ctx: DeliveryContext, authority: Authority): Promise<AuthorityResult> {
  const from = ctx.from ?? ctx.campaign.mail.from;
  // Render every copy before claiming anyone: a template fault must not strand a claim.
  const letters = recipientsOf(authority).map((recipient) => ({ recipient, letter: ctx.renderer.render(authority, recipient) }));

  const results: RecipientResult[] = [];
  for (const { recipient, letter } of letters) {
    results.push(await deliverOne(ctx, authority, recipient, letter, from));
  }
  return {
    results,
    retryable: results.some((r) => r.outcome === 'temporary-failure' || r.outcome === 'held-by-other'),
    permanent: results.some((r) => r.outcome === 'permanent-failure'),
  };
}

async function deliverOne(
  ctx: DeliveryContext,
  authority: Authority,
  recipient: Recipient,
  letter: RenderedLetter,
  from: Address,
): Promise<RecipientResult> {
  const messageId = letterMessageId(ctx.campaign.id, authority.id, recipient.key, ctx.campaign.mail.from.address);
  const fields = {
    campaign: ctx.ledger.namespace,
    authorityId: authority.id,
    recipient: recipient.key,
    role: recipient.role,
    email: recipient.email,
    messageId,
  };
  const claim = await ctx.ledger.claim(
    { authorityId: authority.id, recipient: recipient.key, role: recipient.role, email: recipient.email, messageId },
    ctx.owner,
    ctx.leaseMs,
  );
  const base = { recipient: recipient.key, email: recipient.email };
  if (claim.outcome !== 'claimed') {
    ctx.deliveryLog.info({ event: 'delivery.skipped', ...fields, reason: claim.outcome, status: claim.record.status }, 'delivery.skipped');
    return { ...base, outcome: claim.outcome, response: claim.record.response };
  }
  const attempt = claim.record.attempts;
  if (claim.record.recoveredFrom) {
    ctx.deliveryLog.warn(
      { event: 'delivery.recovered', ...fields, attempt, previousOwner: claim.record.recoveredFrom },
      'delivery.recovered: the previous claim expired without an outcome; sending again',
    );
  }

  const started = performance.now();
  const outcome = await sendMessage(ctx.transport, {
    from,
    replyTo: ctx.campaign.mail.replyTo,
    to: { name: recipient.name, address: recipient.email },
    letter,
    messageId,
    headers: { 'X-Annual-Review': `${ctx.campaign.id}/${authority.id}/${recipient.key}` },
  });
  // Record the outcome before anything else: this is the window in which a
  // crash would leave a sent letter marked `sending`.
  const status = outcome.status === 'sent' ? 'sent' : outcome.kind === 'permanent' ? 'permanent-failure' : 'temporary-failure';
  const finished = await ctx.ledger.finish(authority.id, recipient.key, ctx.owner, status, { response: outcome.response });
  const durationMs = Math.round(performance.now() - started);

  const line = { ...fields, attempt, response: outcome.response, durationMs, status };
  if (!finished.ownedClaim) {
    ctx.deliveryLog.warn({ event: 'delivery.claim-lost', ...line }, 'delivery.claim-lost: the lease ran out while sending');
  }
  if (outcome.status === 'sent') {
    ctx.deliveryLog.info({ event: 'delivery.sent', ...line }, 'delivery.sent');
  } else {
    ctx.deliveryLog.warn({ event: 'delivery.failed', ...line, failure: outcome.kind, responseCode: outcome.responseCode }, 'delivery.failed');
  }
  return { ...base, outcome: status, response: outcome.response };
}
