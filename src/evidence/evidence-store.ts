/**
 * Where the messages a worker hands to the relay are kept, each by its
 * sha256, for as long as its campaign's retention (campaign.json
 * `retentionYears`) says: the record `evidence` packs and a third party
 * verifies. A folder (folder-store.ts) is the one store built; an object
 * store would be another implementation of this interface, its
 * `keepUntil` an object lock's retain-until date.
 */

export interface KeptMessage {
  /** The ledger namespace the message was sent under: the campaign's id. */
  campaign: string;
  /** sha256 of `raw`, hex: the message's name in the store. */
  sha256: string;
  /** The exact bytes handed to the relay. */
  raw: Buffer;
  /** Keep it at least until then. */
  keepUntil: Date;
}

export interface PrunedCampaign {
  campaign: string;
  /** The date its messages were kept until. */
  keptUntil: string;
  messages: number;
}

export interface EvidenceStore {
  /** Where it keeps them, for messages to an operator ("folder /srv/evidence"). */
  readonly where: string;
  /** Keeps one message; keeping the same message again changes nothing. Throws when it cannot be kept. */
  keep(message: KeptMessage): Promise<void>;
  /** The bytes of a kept message, or null when the store has none by that sha256. */
  read(campaign: string, sha256: string): Promise<Buffer | null>;
  /** Removes every campaign's messages whose keep-until date is before `now`, and says which. */
  prune(now: Date): Promise<PrunedCampaign[]>;
  /** Lets go of what it holds open (a worker's files); keeping again opens them anew. */
  close(): void;
}

/** The day a message sent at `sentAt` may be forgotten: `years` after it, to the day. */
export function keepUntil(sentAt: Date, years: number): Date {
  const until = new Date(sentAt.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + years);
  return until;
}
