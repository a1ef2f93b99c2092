/**
 * One delivery: a letter to one recipient of one authority, as the ledger
 * records it from the fan-out to its outcome.
 *
 *   queued -> sending -> sent | temporary-failure | permanent-failure
 */
import type { RecipientKey } from './authority.js';

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'bounced', 'temporary-failure', 'permanent-failure'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A recipient the ledger has no record of yet: the campaign is stored but not fanned out, or a failover lost it. */
export type DeliveryState = DeliveryStatus | 'not-queued';

/** The failed statuses an operator's retry puts back to `queued` (`retry`, the console's Retry). */
export const RETRYABLE_STATUSES = ['permanent-failure', 'temporary-failure'] as const;
export type RetryableStatus = (typeof RETRYABLE_STATUSES)[number];

/**
 * Still owed a letter by its authority's job: a run of the job would send to
 * it. No record yet, `queued`, `temporary-failure`, or `sending` on a lease
 * that has run out (`now` on Redis's clock), whose owner will never finish
 * it. Never `sent`, `bounced` (it needs a new address: `readdress`) or
 * `permanent-failure` (it needs an operator's reset: `retry`). The claim
 * script (src/storage/lua/ledger-claim-2.lua) keeps the same rule.
 */
export function isOwed(record: Pick<DeliveryRecord, 'status' | 'leaseUntil'> | null | undefined, now: number): boolean {
  if (!record) return true;
  switch (record.status) {
    case 'queued':
    case 'temporary-failure':
      return true;
    case 'sending':
      return (record.leaseUntil ?? 0) <= now;
    default:
      return false;
  }
}

/** Whether an operator's retry may put a delivery in this state back to `queued`. */
export function isRetryable(state: DeliveryState): state is RetryableStatus {
  return (RETRYABLE_STATUSES as readonly string[]).includes(state);
}

/** Whether a delivery in this state is a gap: its letter has not arrived (the report's `--gaps`, the console's "not sent"). */
export function isGap(state: DeliveryState): boolean {
  return state !== 'sent';
}

/** Whether a delivery in this state is on its way: recorded and waiting, being sent, or not even recorded yet. */
export function isPending(state: DeliveryState): boolean {
  return state === 'queued' || state === 'sending' || state === 'not-queued';
}

export interface DeliveryRecord {
  authorityId: string;
  recipient: RecipientKey;
  role: string;
  email: string;
  status: DeliveryStatus;
  /** Claims made so far, including the current one. */
  attempts: number;
  messageId: string;
  /** The last SMTP reply or error, e.g. "250 2.0.0 Ok: queued" or "550 5.1.1 no such user". */
  response?: string;
  /** While sending: which worker holds the claim, and until when (ms since epoch, Redis clock). */
  owner?: string;
  leaseUntil?: number;
  /**
   * The last owner whose claim ran out without an outcome and was taken over.
   * Such a recipient may have been sent the letter twice (see README, "the one
   * window"): the report's `recovered` column.
   */
  recoveredFrom?: string;
  /**
   * A resend (`resend --campaign`): a new delivery of a letter already sent,
   * with its own key ("ceo~resend-1") and Message-ID; the original's
   * Message-ID, who asked and why.
   */
  resendOf?: string;
  resentBy?: string;
  resendReason?: string;
  /** The operator who last put this delivery back to queued (a retry), and when. */
  retriedBy?: string;
  retriedAt?: number;
  /** The owner that wrote the final status (makes a resent finish idempotent). */
  finishedBy?: string;
  queuedAt: number;
  updatedAt: number;
  sentAt?: number;
  /** bounced: when the DSN was recorded, and the receiving system's reason ("smtp; 550 5.1.1 ... User unknown"). */
  bouncedAt?: number;
  diagnostic?: string;
  /**
   * The last message handed to the relay for this delivery, as its outcome
   * recorded it: the sha256 of its exact bytes (kept in EVIDENCE_DIR), the
   * approval its campaign was stored under (a real run's), and the relay's
   * queue id when its answer named one.
   */
  sha256?: string;
  approvalSha256?: string;
  queueId?: string;
  /** Every operator's correction of the address, oldest first; the current email and messageId are the last one's. */
  readdresses?: Readdress[];
}

export type NewDelivery = Pick<DeliveryRecord, 'authorityId' | 'recipient' | 'role' | 'email' | 'messageId'>;

/** One operator's correction of a delivery's address (`readdress`). */
export interface Readdress {
  at: number;
  /** Who made the change (`readdress --by`). */
  by: string;
  from: string;
  to: string;
  /** The status the delivery had, and why (the diagnostic or the relay's reply). */
  status: 'bounced' | 'permanent-failure';
  reason?: string;
  /** The operator's reason for the new address (`readdress --reason`): needed for one at none of the authority's domains. */
  operatorReason?: string;
  /** The Message-ID of the letter that did not arrive. */
  messageId: string;
  /**
   * That letter as the ledger had it: the sha256 of its bytes, its approval,
   * the relay's answer and queue id, the claim that sent it, when it was
   * sent and when it bounced.
   */
  sha256?: string;
  approvalSha256?: string;
  queueId?: string;
  response?: string;
  finishedBy?: string;
  sentAt?: number;
  bouncedAt?: number;
}

/** What one job's attempt came to for one recipient. */
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

/** What one attempt of an authority's letter job came to. */
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
