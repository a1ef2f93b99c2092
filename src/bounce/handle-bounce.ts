/**
 * What a received bounce does to the ledger, for the SMTP listener and the
 * IMAP poller alike: parse it, find the delivery it is about (the signed VERP
 * token first, the original Message-ID second), then
 *   - a hard failure marks a `sent` delivery `bounced` with the diagnostic;
 *   - a delay is written to the delivery log and changes nothing;
 *   - an auto-reply is logged and ignored;
 *   - a forged token, or anything that matches no delivery, is kept aside
 *     (UnmatchedBounces) and counted.
 * Never throws for the content of a message; only a Redis or disk failure
 * does, and then the caller leaves the message to be delivered again.
 */

import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { type ParsedBounce, parseBounce, type RecipientStatus } from './parse-bounce.js';
import type { UnmatchedBounces } from './unmatched-bounces.js';
import type { DeliveryRef, Verp } from './verp.js';

export type BounceOutcome =
  | { result: 'bounced'; ref: DeliveryRef; diagnostic: string }
  | { result: 'delayed'; ref: DeliveryRef }
  | { result: 'auto-reply' }
  /** A report about a delivery that is not `sent` (already bounced, or readdressed since): nothing changed. */
  | { result: 'ignored'; ref: DeliveryRef; reason: string }
  | { result: 'unmatched'; reason: string; keptAt: string };

export interface BounceHandlerDeps {
  verp: Verp;
  ledgerFor(namespace: string): Ledger;
  /** The delivery log: `delivery.bounced`, `delivery.delayed`. */
  deliveryLog: Logger;
  log: Logger;
  unmatched: UnmatchedBounces;
}

export class BounceHandler {
  constructor(private readonly deps: BounceHandlerDeps) {}

  async handle(raw: Buffer, envelopeTo: readonly string[] = []): Promise<BounceOutcome> {
    const bounce = await parseBounce(raw, envelopeTo);
    const about = { bounceMessageId: bounce.messageId, bounceFrom: bounce.from, subject: bounce.subject };
    if (bounce.kind === 'auto-reply') {
      this.deps.log.info({ event: EVENT.bounceAutoReply, ...about }, 'bounce.auto-reply: ignored');
      return { result: 'auto-reply' };
    }
    if (bounce.kind === 'unrecognised') return this.keepAside(raw, 'not a delivery report', about);

    const found = await this.match(bounce);
    if ('unmatched' in found) return this.keepAside(raw, found.unmatched, about);
    const { ref, ledger } = found;
    const failed: RecipientStatus = bounce.recipients[0] ?? {};
    const fields = { campaign: ref.campaign, authorityId: ref.authorityId, recipient: ref.recipient, matchedBy: found.by, ...about };

    if (bounce.kind === 'delayed') {
      this.deps.deliveryLog.info(
        { event: EVENT.deliveryDelayed, ...fields, status: failed.status, diagnostic: failed.diagnostic },
        'delivery.delayed',
      );
      return { result: 'delayed', ref };
    }
    const diagnostic = failed.diagnostic ?? (failed.status ? `status ${failed.status}` : 'failed (no diagnostic given)');
    const outcome = await ledger.bounce(ref.authorityId, ref.recipient, { diagnostic, ...(failed.email ? { email: failed.email } : {}) });
    if (!outcome.bounced) {
      const reason = !outcome.record
        ? 'no such delivery'
        : outcome.record.status !== 'sent'
          ? `delivery is ${outcome.record.status}`
          : `the bounce is for ${failed.email}, the delivery is now addressed to ${outcome.record.email}`;
      this.deps.log.info({ event: EVENT.bounceIgnored, ...fields, reason }, `bounce.ignored: ${reason}`);
      return { result: 'ignored', ref, reason };
    }
    const record = outcome.record!;
    this.deps.deliveryLog.warn(
      { event: EVENT.deliveryBounced, ...fields, email: record.email, messageId: record.messageId, status: failed.status, diagnostic },
      'delivery.bounced',
    );
    return { result: 'bounced', ref, diagnostic };
  }

  private async match(
    bounce: ParsedBounce,
  ): Promise<{ ref: DeliveryRef; ledger: Ledger; by: 'verp' | 'message-id' } | { unmatched: string }> {
    for (const address of bounce.sentTo) {
      const reading = this.deps.verp.read(address);
      // A token that does not verify is never a reason to look further: a forger could add a real Message-ID.
      if (reading.kind === 'forged') return { unmatched: `VERP token does not verify: ${address}` };
      if (reading.kind === 'signed') return { ref: reading.ref, ledger: this.deps.ledgerFor(reading.ref.campaign), by: 'verp' };
    }
    const ref = bounce.originalMessageId ? refFromMessageId(bounce.originalMessageId) : undefined;
    if (!ref)
      return {
        unmatched: bounce.originalMessageId
          ? `Message-ID ${bounce.originalMessageId} is not one of ours`
          : 'no VERP token and no original Message-ID',
      };
    const ledger = this.deps.ledgerFor(ref.campaign);
    const record = await ledger.get(ref.authorityId, ref.recipient);
    // Unsigned, so it must agree with the ledger on both the Message-ID and the address.
    if (!record || record.messageId !== bounce.originalMessageId)
      return { unmatched: `no delivery has Message-ID ${bounce.originalMessageId}` };
    const email = bounce.recipients[0]?.email;
    if (!email || email !== record.email.toLowerCase())
      return { unmatched: `Message-ID ${bounce.originalMessageId} matches, but the failed address ${email ?? '(none)'} does not` };
    return { ref, ledger, by: 'message-id' };
  }

  private async keepAside(raw: Buffer, reason: string, about: Record<string, unknown>): Promise<BounceOutcome> {
    const keptAt = await this.deps.unmatched.keep(raw);
    this.deps.log.warn(
      { event: EVENT.bounceUnmatched, reason, keptAt, unmatched: this.deps.unmatched.count, ...about },
      `bounce.unmatched: ${reason}`,
    );
    return { result: 'unmatched', reason, keptAt };
  }
}

/** `<2023-24.alpha.ceo@domain>` or, after a readdress, `<2023-24.alpha.ceo.r1@domain>` (see letterMessageId). */
function refFromMessageId(messageId: string): DeliveryRef | undefined {
  const local = /^<([^@>]+)@[^>]+>$/.exec(messageId)?.[1];
  const parts = local?.split('.') ?? [];
  if (parts.length < 3 || parts.length > 4 || (parts.length === 4 && !/^r\d+$/.test(parts[3]!))) return undefined;
  const [campaign, authorityId, recipient] = parts as [string, string, string];
  return { campaign, authorityId, recipient };
}
