/**
 * The Message-ID of one letter to one recipient. The fan-out records it in the
 * ledger before any send, the send stage puts it on the message, and the chaos
 * suite counts deliveries by it.
 */

/** `<2023-24.lcrca.ceo@example.org>`: stable, so a resend is recognisable as the same letter. */
export function letterMessageId(campaign: string, authorityId: string, recipient: string, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] ?? 'localhost';
  return `<${campaign}.${authorityId}.${recipient}@${domain}>`;
}
