/**
 * What happened to a campaign's letters, from its ledger, in the order it
 * happened: each letter handed to the relay and accepted (its sha256, the
 * approval it went out under, the relay's answer and queue id), each bounce,
 * each operator's readdress, resend and reset, with who did it. Every time
 * is Redis's clock, as the ledger's scripts wrote it, so the order holds
 * across workers on any host. The ledger keeps the letters a readdress
 * replaced (their evidence moves into the readdress), so a delivery
 * readdressed twice shows all three letters.
 */
import type { DeliveryRecord } from '../domain/index.js';
import type { EntryOf } from '../evidence/manifest.js';

/** The `bounces` process, acting on the receiving mail system's report (DSN). */
export const BOUNCE_ACTOR = 'bounces';

type Event =
  | Omit<EntryOf<'sent'>, 'path' | 'missing'>
  | EntryOf<'bounced'>
  | EntryOf<'readdressed'>
  | EntryOf<'resend-requested'>
  | EntryOf<'reset'>;

export interface TimelineEvent {
  /** ms since epoch, Redis clock. */
  atMs: number;
  event: Event;
}

/** Within one moment: a delivery's causes before its effects. */
const ORDER: Record<Event['type'], number> = { 'resend-requested': 0, reset: 1, sent: 2, bounced: 3, readdressed: 4 };

const iso = (ms: number) => new Date(ms).toISOString();

/** Every event of one delivery record. */
export function deliveryEvents(r: DeliveryRecord): TimelineEvent[] {
  const who = { authority: r.authorityId, recipient: r.recipient };
  const events: TimelineEvent[] = [];
  const add = (atMs: number | undefined, event: Event) => {
    if (atMs !== undefined) events.push({ atMs, event });
  };
  if (r.resendOf) {
    add(r.queuedAt, {
      type: 'resend-requested',
      at: iso(r.queuedAt),
      ...who,
      resendOf: r.resendOf,
      by: r.resentBy ?? '',
      reason: r.resendReason ?? '',
    });
  }
  for (const change of r.readdresses ?? []) {
    if (change.sentAt !== undefined) {
      add(change.sentAt, {
        type: 'sent',
        at: iso(change.sentAt),
        ...who,
        role: r.role,
        email: change.from,
        messageId: change.messageId,
        approvalSha256: change.approvalSha256 ?? null,
        queueId: change.queueId ?? null,
        response: change.response ?? '',
        by: change.finishedBy ?? '',
        sha256: change.sha256 ?? null,
      });
    }
    if (change.bouncedAt !== undefined) {
      add(change.bouncedAt, {
        type: 'bounced',
        at: iso(change.bouncedAt),
        ...who,
        email: change.from,
        messageId: change.messageId,
        diagnostic: change.reason ?? '',
        by: BOUNCE_ACTOR,
      });
    }
    add(change.at, {
      type: 'readdressed',
      at: iso(change.at),
      ...who,
      by: change.by,
      from: change.from,
      to: change.to,
      reason: change.reason ?? '',
      messageId: change.messageId,
    });
  }
  if (r.retriedBy && r.retriedAt !== undefined) add(r.retriedAt, { type: 'reset', at: iso(r.retriedAt), ...who, by: r.retriedBy });
  if ((r.status === 'sent' || r.status === 'bounced') && r.sentAt !== undefined) {
    add(r.sentAt, {
      type: 'sent',
      at: iso(r.sentAt),
      ...who,
      role: r.role,
      email: r.email,
      messageId: r.messageId,
      approvalSha256: r.approvalSha256 ?? null,
      queueId: r.queueId ?? null,
      response: r.response ?? '',
      by: r.finishedBy ?? '',
      sha256: r.sha256 ?? null,
    });
  }
  if (r.status === 'bounced' && r.bouncedAt !== undefined) {
    add(r.bouncedAt, {
      type: 'bounced',
      at: iso(r.bouncedAt),
      ...who,
      email: r.email,
      messageId: r.messageId,
      diagnostic: r.diagnostic ?? '',
      by: BOUNCE_ACTOR,
    });
  }
  return events;
}

/** Every event of these records, oldest first; a tie is broken by authority, recipient, then cause before effect. */
export function timeline(records: Iterable<DeliveryRecord>): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const record of records) events.push(...deliveryEvents(record));
  return events.sort(
    (a, b) =>
      a.atMs - b.atMs ||
      a.event.authority.localeCompare(b.event.authority) ||
      a.event.recipient.localeCompare(b.event.recipient) ||
      ORDER[a.event.type] - ORDER[b.event.type],
  );
}
