/**
 * A bounce that names a delivery but is not signed for it: no VERP token, or
 * a token that does not verify. It changes nothing in the ledger (anyone can
 * write one, quoting a letter's predictable Message-ID and its recipient's
 * public address); it is kept for an operator to read, beside the delivery it
 * names. Every text in it is the sender's claim, not a fact.
 */
export const UNVERIFIED_WHY = ['no-token', 'forged-token'] as const;
export type UnverifiedWhy = (typeof UNVERIFIED_WHY)[number];

export interface UnverifiedBounce {
  /** The ledger namespace it names: the campaign id, or "<id>~test". */
  campaign: string;
  authorityId: string;
  recipient: string;
  /** When it arrived (ms since epoch). */
  receivedAt: number;
  /** What it claims happened: a hard failure, or a delay. */
  kind: 'failed' | 'delayed';
  /** The address it says failed, its status code and diagnostic: claims, cut short, control characters removed. */
  email?: string;
  status?: string;
  diagnostic?: string;
  /** Why it was not applied: a code, and the sentence for the operator. */
  why: UnverifiedWhy;
  reason: string;
  /** The file in BOUNCE_UNMATCHED_DIR holding the message as received; absent when the folder was at its quota. */
  keptAt?: string;
  /** The bounce's own sender and subject, as it gives them. */
  from?: string;
  subject?: string;
}
