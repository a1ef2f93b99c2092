/**
 * The Message-ID of one delivery: one letter to one recipient. The fan-out
 * records it in the ledger before any send, the send stage puts it on the
 * message, a bounce is matched by it, and the chaos suite counts deliveries
 * by it. Nothing outside this file builds or reads one.
 *
 *   <2023-24.lcrca.ceo@ombudsman.example>              the first send
 *   <2023-24.lcrca.ceo~resend-1@ombudsman.example>     a resend (its key is the recipient key)
 *   <2023-24.lcrca.ceo.r1@ombudsman.example>           the first readdress of that delivery
 *
 * Stable, so a second copy sent in the one window (README, "Exactly once")
 * carries the same id and a mail system can drop it as a duplicate.
 */

/** The domain part of Message-IDs: the From address's. */
export function mailDomain(fromAddress: string): string {
  return fromAddress.split('@')[1] ?? 'localhost';
}

/**
 * @param readdress - how many times an operator has readdressed the delivery (0: never).
 */
export function letterMessageId(campaign: string, authorityId: string, recipient: string, domain: string, readdress = 0): string {
  return `<${campaign}.${authorityId}.${recipient}${readdress > 0 ? `.r${readdress}` : ''}@${domain}>`;
}

export interface LetterMessageIdParts {
  campaign: string;
  authorityId: string;
  recipient: string;
  readdress: number;
  domain: string;
}

/** The parts of one of our Message-IDs, or null for anybody else's. */
export function parseLetterMessageId(messageId: string): LetterMessageIdParts | null {
  const match = /^<([^@<>\s]+)@([^@<>\s]+)>$/.exec(messageId.trim());
  if (!match) return null;
  const parts = match[1]!.split('.');
  if (parts.length < 3 || parts.length > 4) return null;
  let readdress = 0;
  if (parts.length === 4) {
    const r = /^r([1-9][0-9]*)$/.exec(parts[3]!);
    if (!r) return null;
    readdress = Number(r[1]);
  }
  const [campaign, authorityId, recipient] = parts as [string, string, string];
  return { campaign, authorityId, recipient, readdress, domain: match[2]! };
}
