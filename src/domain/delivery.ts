/**
 * One delivery: a letter to one recipient of one authority, as the ledger
 * records it from the fan-out to its outcome.
 *
 *   queued -> sending -> sent | temporary-failure | permanent-failure
 */
import type { RecipientKey } from './authority.js';

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'bounced', 'temporary-failure', 'permanent-failure'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

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
  /** The Message-ID of the letter that did not arrive. */
  messageId: string;
}
