/**
 * Delivers one authority's letters: for each recipient, claim it in the
 * ledger, send, record the outcome, log it. The claim is what makes a retried
 * job safe: a recipient already `sent`, or claimed by a live worker, is skipped.
 */
import type { Logger } from 'pino';
import type { Verp } from '../bounce/verp.js';
import {
  type Authority,
  type Campaign,
  EVENT,
  letterMessageId,
  type MailAttachment,
  type Recipient,
  type RenderedLetter,
  recipientsOf,
} from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { type Address, sendMessage } from './send-message.js';
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
  /**
   * What goes with every recipient's copy (the letter's PDF, the authority's
   * own files), made once per job before anyone is claimed: if it throws,
   * nothing was claimed and the job is retried. None when unset.
   */
  attachments?: (authority: Authority) => Promise<MailAttachment[]>;
  /** Waits for the relay's rate limit (RATE_LIMIT_PER_SECOND) before each send; no wait when unset. */
  throttle?: { acquire(): Promise<unknown> };
  /** With BOUNCE_ADDRESS: each letter's envelope sender is its signed VERP address. Default: the From address. */
  verp?: Verp;
  /** A test run: every letter goes to the test inbox, even one an operator readdressed. Default false. */
  testRun?: boolean;
}

export interface RecipientResult {
  recipient: string;
  email: string;
  outcome: 'sent' | 'already-sent' | 'held-by-other' | 'temporary-failure' | 'permanent-failure';
  response?: string;
  /** held-by-other: how long the other worker's claim has left. */
  retryInMs?: number;
  /** Whether the relay was asked at all (false when a claim aged out before its send started). */
  attempted?: boolean;
}

export interface AuthorityResult {
  results: RecipientResult[];
  /** Some recipient may still be sent by a later attempt of the same job. */
  retryable: boolean;
  /** Some recipient failed for good; the job must end failed once nothing is retryable. */
  permanent: boolean;
  /**
   * Set when the only unfinished recipients are held by another live claim:
   * how long until the last of those claims ends (sent, or recoverable).
   */
  retryAfterMs?: number;
}

/**
 * @param resend - a resend: only this recipient's letter, recorded and sent
 *   under its own delivery key ("ceo~resend-1"), so its own ledger record and
 *   Message-ID; the ledger keeps that new delivery to one send as any other.
 */
export async function deliverAuthority(
  ctx: DeliveryContext,
  authority: Authority,
  resend?: { recipient: string; key: string },
): Promise<AuthorityResult> {
  const from = ctx.from ?? ctx.campaign.mail.from;
  const recipients = resend ? recipientsOf(authority).filter((r) => r.key === resend.recipient) : recipientsOf(authority);
  if (resend && recipients.length === 0)
    throw new Error(`resend ${resend.key}: authority ${authority.id} has no recipient ${resend.recipient}`);
  // Render every copy before claiming anyone: a template fault must not strand a claim.
  const letters = recipients.map((recipient) => ({
    recipient: resend ? { ...recipient, key: resend.key } : recipient,
    letter: ctx.renderer.render(authority, recipient),
  }));
  const attachments = ctx.attachments ? await ctx.attachments(authority) : [];

  const results: RecipientResult[] = [];
  for (const { recipient, letter } of letters) {
    results.push(await deliverOne(ctx, authority, recipient, letter, from, attachments));
  }
  const held = results.filter((r) => r.outcome === 'held-by-other');
  const onlyHeld = held.length > 0 && !results.some((r) => r.outcome === 'temporary-failure');
  return {
    results,
    retryable: results.some((r) => r.outcome === 'temporary-failure' || r.outcome === 'held-by-other'),
    permanent: results.some((r) => r.outcome === 'permanent-failure'),
    ...(onlyHeld ? { retryAfterMs: Math.max(...held.map((r) => r.retryInMs ?? 0)) } : {}),
  };
}

async function deliverOne(
  ctx: DeliveryContext,
  authority: Authority,
  recipient: Recipient,
  letter: RenderedLetter,
  from: Address,
  attachments: readonly MailAttachment[],
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
  if (claim.outcome === 'unacknowledged') {
    // A claim only the primary holds would vanish in a failover, and another worker could send too.
    const response = 'not sent: no replica acknowledged the claim in time; will retry';
    await ctx.ledger.release(authority.id, recipient.key, ctx.owner, response);
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryClaimUnacknowledged, ...fields, attempt: claim.record.attempts, response },
      'delivery.claim-unacknowledged',
    );
    return { ...base, outcome: 'temporary-failure', response, attempted: false };
  }
  if (claim.outcome !== 'claimed') {
    ctx.deliveryLog.info(
      { event: EVENT.deliverySkipped, ...fields, reason: claim.outcome, status: claim.record.status },
      'delivery.skipped',
    );
    const retryInMs = claim.outcome === 'held-by-other' ? claim.retryInMs : undefined;
    return { ...base, outcome: claim.outcome, response: claim.record.response, ...(retryInMs === undefined ? {} : { retryInMs }) };
  }
  const claimedAt = performance.now();
  const attempt = claim.record.attempts;
  // After an operator's readdress the ledger holds the corrected address and that letter's own
  // Message-ID; a test run's letters still go to its test inbox.
  if (claim.record.readdresses?.length && !ctx.testRun) {
    fields.email = claim.record.email;
    fields.messageId = claim.record.messageId;
  }
  if (claim.recoveredFrom) {
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryRecovered, ...fields, attempt, previousOwner: claim.recoveredFrom },
      'delivery.recovered: the previous claim expired without an outcome; sending again (same Message-ID)',
    );
  }

  await ctx.throttle?.acquire();
  // Never start a send on a claim that is half gone (a long wait for the rate
  // limit, a starved event loop): give it back and let a retry claim afresh.
  if (performance.now() - claimedAt > ctx.leaseMs / 2) {
    const response = 'not sent: the claim aged past half its lease before the send could start; will retry';
    await ctx.ledger.release(authority.id, recipient.key, ctx.owner, response);
    ctx.deliveryLog.warn({ event: EVENT.deliveryDeferred, ...fields, attempt, response }, 'delivery.deferred');
    return { ...base, outcome: 'temporary-failure', response, attempted: false };
  }

  const started = performance.now();
  // While the relay is talking, keep the claim alive: a slow relay must not let a second worker in.
  const keeper = setInterval(
    () => {
      ctx.ledger.extend(authority.id, recipient.key, ctx.owner, ctx.leaseMs).catch(() => {});
    },
    Math.max(250, Math.floor(ctx.leaseMs / 3)),
  );
  const outcome = await sendMessage(ctx.transport, {
    from,
    replyTo: ctx.campaign.mail.replyTo,
    to: { name: recipient.name, address: fields.email },
    letter,
    messageId: fields.messageId,
    attachments,
    headers: { 'X-Annual-Review': `${ctx.campaign.id}/${authority.id}/${recipient.key}` },
    envelopeFrom: ctx.verp?.address({ campaign: ctx.ledger.namespace, authorityId: authority.id, recipient: recipient.key }, claim.record),
  }).finally(() => clearInterval(keeper));
  // Record the outcome before anything else: this is the window in which a
  // crash would leave a sent letter marked `sending`.
  const status = outcome.status === 'sent' ? 'sent' : outcome.kind === 'permanent' ? 'permanent-failure' : 'temporary-failure';
  const durationMs = Math.round(performance.now() - started);
  const line = { ...fields, attempt, response: outcome.response, durationMs, status };
  const finished = await ctx.ledger
    .finish(authority.id, recipient.key, ctx.owner, status, { response: outcome.response })
    .catch((error: unknown) => {
      // Redis went away under every attempt: the claim stays `sending` until its lease runs out, then another send.
      ctx.deliveryLog.error(
        { event: EVENT.deliveryOutcomeUnacknowledged, ...line, error: String(error) },
        'delivery.outcome-unacknowledged: the outcome could not be written',
      );
      throw error;
    });

  if (!finished.acknowledged) {
    // Written and rewritten, yet on no replica: a failover now would roll this recipient back to `sending`.
    ctx.deliveryLog.error(
      { event: EVENT.deliveryOutcomeUnacknowledged, ...line },
      'delivery.outcome-unacknowledged: no replica acknowledged the outcome; a failover now could send this letter again',
    );
  }
  if (!finished.ownedClaim) {
    ctx.deliveryLog.warn({ event: EVENT.deliveryClaimLost, ...line }, 'delivery.claim-lost: the lease ran out while sending');
  }
  if (outcome.status === 'sent') {
    ctx.deliveryLog.info({ event: EVENT.deliverySent, ...line }, 'delivery.sent');
  } else {
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryFailed, ...line, failure: outcome.kind, responseCode: outcome.responseCode },
      'delivery.failed',
    );
  }
  return { ...base, email: fields.email, outcome: status, response: outcome.response, attempted: true };
}
