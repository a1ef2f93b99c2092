/**
 * What a received bounce does to the ledger, for the SMTP listener and the
 * IMAP poller alike: parse it, find the delivery its VERP token names, check
 * the token against that delivery as the ledger holds it now, then
 *   - a hard failure marks a `sent` delivery `bounced` with the diagnostic;
 *   - a delay is written to the delivery log and changes nothing;
 *   - an auto-reply is logged and ignored.
 * Only a valid token changes a delivery. A bounce that names a delivery
 * without one (by the Message-ID of the letter it quotes: predictable, and
 * the address beside it public), or with a token that does not verify, is
 * unverified: kept on disk (UnmatchedBounces) and recorded for the operator
 * (UnverifiedBounceStore), never applied. A token issued before a readdress
 * is stale: the letter it was about is already known not to have arrived.
 * What names no delivery is kept on disk and logged; what mailparser cannot
 * read is `unreadable`, so the listener refuses it for good (5xx).
 * Never throws for the content of a message; only a Redis or disk failure
 * does, and then the caller leaves the message to be delivered again.
 */

import type { Logger } from 'pino';
import type { BounceRecorder } from '../bounce/bounce-recorder.js';
import { type ParsedBounce, parseBounce, type RecipientStatus } from '../bounce/parse-bounce.js';
import type { UnmatchedBounces } from '../bounce/unmatched-bounces.js';
import type { DeliveryRef, Verp } from '../bounce/verp.js';
import { type DeliveryRecord, EVENT, parseLetterMessageId, type UnverifiedWhy } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import type { OperationsContext } from './context.js';

export type BounceOutcome =
  | { result: 'bounced'; ref: DeliveryRef; diagnostic: string }
  | { result: 'delayed'; ref: DeliveryRef }
  | { result: 'auto-reply' }
  /** A verified report about a delivery that is not `sent` at that address (already bounced, readdressed since): nothing changed. */
  | { result: 'ignored'; ref: DeliveryRef; reason: string }
  /** Names a delivery without a valid token: recorded for the operator, nothing changed. `keptAt` absent: the folder was full. */
  | { result: 'unverified'; ref: DeliveryRef; reason: string; keptAt?: string }
  | { result: 'unmatched'; reason: string; keptAt?: string }
  /** Not a message mailparser can read: the listener answers 5xx, the mailbox reader moves it on. */
  | { result: 'unreadable'; reason: string; keptAt?: string };

export interface BounceHandlerDeps {
  verp: Verp;
  /** The process log: what was not applied (auto-replies, unverified, unmatched, unreadable). */
  log: Logger;
  /** Where the raw messages that change nothing are kept on disk. */
  unmatched: UnmatchedBounces;
}

type Match =
  | { kind: 'verified'; ref: DeliveryRef; ledger: Ledger; record: DeliveryRecord }
  | { kind: 'stale'; ref: DeliveryRef; record: DeliveryRecord }
  | { kind: 'unverified'; ref: DeliveryRef; why: UnverifiedWhy; reason: string }
  | { kind: 'unmatched'; reason: string };

/** Longest claim (diagnostic, subject, sender) recorded or logged from a bounce we did not verify. */
const CLAIM_CHARS = 500;

/**
 * The bounce listener's and the mailbox reader's one operation: record what a
 * received message says about a delivery. The ledger and the unverified
 * bounces are the operations' storage; `delivery.bounced` and
 * `delivery.delayed` go to the delivery log, by "bounces" (the DSN's sender
 * is in the line).
 */
export class BounceHandler implements BounceRecorder {
  constructor(
    private readonly ctx: OperationsContext,
    private readonly deps: BounceHandlerDeps,
  ) {}

  private ledgerFor(namespace: string): Ledger {
    return this.ctx.storage.ledger(namespace);
  }

  async handle(raw: Buffer, envelopeTo: readonly string[] = []): Promise<BounceOutcome> {
    const bounce = await parseBounce(raw, envelopeTo);
    const about = { bounceMessageId: claim(bounce.messageId), bounceFrom: claim(bounce.from), subject: claim(bounce.subject) };
    if (bounce.kind === 'unreadable') {
      const reason = `not a message we can read: ${bounce.problem}`;
      const keptAt = await this.deps.unmatched.keep(raw);
      this.deps.log.warn({ event: EVENT.bounceUnreadable, reason, keptAt, bytes: raw.length }, `bounce.unreadable: ${reason}`);
      return { result: 'unreadable', reason, ...kept(keptAt) };
    }
    if (bounce.kind === 'auto-reply') {
      this.deps.log.info({ event: EVENT.bounceAutoReply, ...about }, 'bounce.auto-reply: ignored');
      return { result: 'auto-reply' };
    }
    if (bounce.kind === 'unrecognised') return this.keepAside(raw, 'not a delivery report', about);

    const found = await this.match(bounce);
    if (found.kind === 'unmatched') return this.keepAside(raw, found.reason, about);
    const { ref } = found;
    const failed: RecipientStatus = bounce.recipients[0] ?? {};
    const fields = { campaign: ref.campaign, authorityId: ref.authorityId, recipient: ref.recipient, ...about };
    if (found.kind === 'unverified') return this.keepUnverified(raw, bounce, found, fields);
    if (found.kind === 'stale') {
      const reason = `the VERP token was issued before the delivery was readdressed to ${found.record.email}`;
      this.deps.log.info({ event: EVENT.bounceIgnored, ...fields, reason }, `bounce.ignored: ${reason}`);
      return { result: 'ignored', ref, reason };
    }

    const verified = { ...fields, matchedBy: 'verp', by: 'bounces' };
    if (bounce.kind === 'delayed') {
      this.ctx.deliveryLog.info(
        { event: EVENT.deliveryDelayed, ...verified, status: failed.status, diagnostic: failed.diagnostic },
        'delivery.delayed',
      );
      return { result: 'delayed', ref };
    }
    const diagnostic = failed.diagnostic ?? (failed.status ? `status ${failed.status}` : 'failed (no diagnostic given)');
    // The Message-ID the token was checked against, checked again in the same step as the change: a
    // readdress in between gives the delivery another, and this bounce is then about the old letter.
    const outcome = await found.ledger.bounce(ref.authorityId, ref.recipient, {
      diagnostic,
      messageId: found.record.messageId,
      ...(failed.email ? { email: failed.email } : {}),
    });
    if (!outcome.bounced) {
      const reason = !outcome.record
        ? 'no such delivery'
        : outcome.record.status !== 'sent'
          ? `delivery is ${outcome.record.status}`
          : outcome.record.messageId !== found.record.messageId
            ? `the delivery was readdressed to ${outcome.record.email} meanwhile`
            : `the bounce is for ${failed.email}, the delivery is addressed to ${outcome.record.email}`;
      this.deps.log.info({ event: EVENT.bounceIgnored, ...verified, reason }, `bounce.ignored: ${reason}`);
      return { result: 'ignored', ref, reason };
    }
    const record = outcome.record!;
    this.ctx.deliveryLog.warn(
      { event: EVENT.deliveryBounced, ...verified, email: record.email, messageId: record.messageId, status: failed.status, diagnostic },
      'delivery.bounced',
    );
    return { result: 'bounced', ref, diagnostic };
  }

  private async match(bounce: ParsedBounce): Promise<Match> {
    for (const address of bounce.sentTo) {
      const reading = this.deps.verp.read(address);
      if (reading.kind === 'none') continue;
      // A token that does not verify is never a reason to look further: a forger could add a real Message-ID.
      if (reading.kind === 'malformed') return { kind: 'unmatched', reason: `VERP token is malformed: ${claim(address)}` };
      const { ref } = reading;
      const ledger = this.ledgerFor(ref.campaign);
      const record = await ledger.get(ref.authorityId, ref.recipient);
      if (!record) return { kind: 'unmatched', reason: `VERP token names no delivery: ${address}` };
      const check = this.deps.verp.check(reading, record);
      if (check === 'valid') return { kind: 'verified', ref, ledger, record };
      if (check === 'stale') return { kind: 'stale', ref, record };
      return {
        kind: 'unverified',
        ref,
        why: 'forged-token',
        reason: 'its VERP token does not verify for this delivery (forged, mangled, or signed with another BOUNCE_SECRET)',
      };
    }
    const messageId = bounce.originalMessageId;
    const ref = messageId ? refFromMessageId(messageId) : undefined;
    if (!ref || !messageId)
      return {
        kind: 'unmatched',
        reason: messageId ? `Message-ID ${messageId} is not one of ours` : 'no VERP token and no original Message-ID',
      };
    const record = await this.ledgerFor(ref.campaign).get(ref.authorityId, ref.recipient);
    if (!record) return { kind: 'unmatched', reason: `no delivery has Message-ID ${messageId}` };
    const email = bounce.recipients[0]?.email;
    const agrees = record.messageId === messageId && email === record.email.toLowerCase();
    return {
      kind: 'unverified',
      ref,
      why: 'no-token',
      reason: agrees
        ? 'no VERP token: it names this delivery only by its Message-ID and address, which anyone can guess or read'
        : `no VERP token, and it does not agree with the ledger (Message-ID ${messageId}, failed address ${email ?? '(none)'})`,
    };
  }

  private async keepUnverified(
    raw: Buffer,
    bounce: ParsedBounce,
    found: Extract<Match, { kind: 'unverified' }>,
    fields: Record<string, unknown>,
  ): Promise<BounceOutcome> {
    const { ref, why, reason } = found;
    const failed: RecipientStatus = bounce.recipients[0] ?? {};
    const keptAt = await this.deps.unmatched.keep(raw);
    await this.ctx.storage.unverifiedBounces.add({
      campaign: ref.campaign,
      authorityId: ref.authorityId,
      recipient: ref.recipient,
      receivedAt: Date.now(),
      kind: bounce.kind === 'delayed' ? 'delayed' : 'failed',
      ...optional('email', claim(failed.email)),
      ...optional('status', failed.status),
      ...optional('diagnostic', claim(failed.diagnostic)),
      why,
      reason,
      ...optional('keptAt', keptAt),
      ...optional('from', claim(bounce.from)),
      ...optional('subject', claim(bounce.subject)),
    });
    this.deps.log.warn(
      { event: EVENT.bounceUnverified, ...fields, why, reason, keptAt, claimedDiagnostic: claim(failed.diagnostic) },
      `bounce.unverified: ${reason}; nothing changed`,
    );
    return { result: 'unverified', ref, reason, ...kept(keptAt) };
  }

  private async keepAside(raw: Buffer, reason: string, about: Record<string, unknown>): Promise<BounceOutcome> {
    const keptAt = await this.deps.unmatched.keep(raw);
    this.deps.log.warn(
      { event: EVENT.bounceUnmatched, reason, keptAt, unmatched: this.deps.unmatched.count, ...about },
      `bounce.unmatched: ${reason}`,
    );
    return { result: 'unmatched', reason, ...kept(keptAt) };
  }
}

const ID = /^[a-z0-9~-]+$/;

/** The delivery one of our Message-IDs names (src/domain/message-id.ts), or undefined for anybody else's. */
function refFromMessageId(messageId: string): DeliveryRef | undefined {
  const parts = parseLetterMessageId(messageId);
  if (!parts) return undefined;
  const { campaign, authorityId, recipient } = parts;
  // Only ids as ours are written: a made-up "campaign" never becomes part of a Redis key.
  if (![campaign, authorityId, recipient].every((id) => ID.test(id))) return undefined;
  return { campaign, authorityId, recipient };
}

/** A sender's text, fit to record or log: no control or bidirectional-override characters, cut short. */
function claim(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  return plain.length > CLAIM_CHARS ? `${plain.slice(0, CLAIM_CHARS)}…` : plain;
}

function optional<K extends string>(key: K, value: string | undefined): { [k in K]?: string } {
  return (value ? { [key]: value } : {}) as { [k in K]?: string };
}

function kept(keptAt: string | undefined): { keptAt?: string } {
  return keptAt ? { keptAt } : {};
}
