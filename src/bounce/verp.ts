/**
 * VERP: each letter's envelope sender names its delivery, so a bounce says
 * which letter it is about without our parsing the bounce's prose.
 *
 *   bounces+<campaign>.<authority>.<recipient>.<mac>@ombudsman.example
 *
 * The ids are already lower-case letters, digits, "-" (and "~" in a test
 * run's campaign), none of them contains ".", and the mac is hex: so the
 * token survives an MTA that lower-cases local parts, and reads plainly in a
 * relay's log.
 *
 * The mac is the first 64 bits of HMAC-SHA256(BOUNCE_SECRET, the ids, the
 * address and the Message-ID the ledger held for the delivery when the letter
 * left). The address and Message-ID are not in the token (no address in a
 * relay's log, and the local part stays short): a token is checked against
 * the ledger's record, so it is valid only while the delivery still has the
 * address it was issued for. A readdress gives the delivery a new address and
 * Message-ID, so its next letter gets a new token, and a bounce to the old
 * one (a late DSN for the old address, or a forger who kept it) changes
 * nothing, whatever address the bounce names or leaves out.
 *
 * Tokens signed before the address was part of the mac (the ids alone) are
 * still valid for a delivery never readdressed: the address they were issued
 * for is then the ledger's. After a readdress they are stale.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface DeliveryRef {
  /** The ledger namespace: the campaign id, or "<id>~test" for a test run. */
  campaign: string;
  authorityId: string;
  recipient: string;
}

/** What a token is issued for besides the ids: the delivery's address and Message-ID in the ledger as the letter left. */
export interface IssuedFor {
  email: string;
  messageId: string;
}

/** The ledger's record of a delivery as the check needs it: now, and what it was before each readdress. */
export interface DeliveryAsRecorded extends IssuedFor {
  readdresses?: ReadonlyArray<{ from: string; messageId: string }>;
}

export type VerpReading =
  /** A token of this bounce mailbox's shape; whether it is ours only `check` against the ledger can say. */
  | { kind: 'token'; ref: DeliveryRef; mac: string }
  /** Addressed to the bounce mailbox with something that is not a token: mangled, or made up. */
  | { kind: 'malformed'; token: string }
  /** Not a VERP address of this bounce mailbox at all. */
  | { kind: 'none' };

export type TokenCheck =
  /** Issued for the delivery as the ledger holds it now. */
  | 'valid'
  /** Ours, but issued for an address the delivery had before a readdress. */
  | 'stale'
  /** Not made with BOUNCE_SECRET for this delivery: forged, mangled, or another secret's. */
  | 'forged';

const MAC_HEX = 16;
const ID = /^[a-z0-9~-]+$/;

export class Verp {
  private readonly local: string;
  private readonly domain: string;

  constructor(
    /** BOUNCE_ADDRESS, e.g. bounces@ombudsman.example. */
    bounceAddress: string,
    private readonly secret: string,
  ) {
    const at = bounceAddress.lastIndexOf('@');
    this.local = bounceAddress.slice(0, at).toLowerCase();
    this.domain = bounceAddress.slice(at + 1).toLowerCase();
  }

  /** The bounce address's domain: the only one the listener accepts mail for. */
  get bounceDomain(): string {
    return this.domain;
  }

  /** The envelope sender for one delivery, bound to the address and Message-ID the ledger holds for it. */
  address(ref: DeliveryRef, issuedFor: IssuedFor): string {
    for (const id of [ref.campaign, ref.authorityId, ref.recipient]) {
      if (!ID.test(id)) throw new Error(`VERP: ${JSON.stringify(id)} is not an id (lower-case letters, digits, "-", "~")`);
    }
    return `${this.local}+${ref.campaign}.${ref.authorityId}.${ref.recipient}.${this.mac(ref, issuedFor)}@${this.domain}`;
  }

  /** Reads an address a bounce was sent to (case-insensitively, as MTAs may change case). Checks nothing yet. */
  read(address: string): VerpReading {
    const lower = address.trim().replace(/^<|>$/g, '').toLowerCase();
    const at = lower.lastIndexOf('@');
    if (at < 0 || lower.slice(at + 1) !== this.domain) return { kind: 'none' };
    const local = lower.slice(0, at);
    if (!local.startsWith(`${this.local}+`)) return { kind: 'none' };
    const token = local.slice(this.local.length + 1);
    const parts = token.split('.');
    if (parts.length !== 4 || !parts.slice(0, 3).every((p) => ID.test(p)) || !/^[0-9a-f]{16}$/.test(parts[3]!))
      return { kind: 'malformed', token };
    const [campaign, authorityId, recipient, mac] = parts as [string, string, string, string];
    return { kind: 'token', ref: { campaign, authorityId, recipient }, mac };
  }

  /** Whether a token was issued for this delivery as the ledger records it now, before a readdress, or not by us. */
  check(token: { ref: DeliveryRef; mac: string }, delivery: DeliveryAsRecorded): TokenCheck {
    const given = Buffer.from(token.mac);
    const matches = (expected: string) => timingSafeEqual(given, Buffer.from(expected));
    if (matches(this.mac(token.ref, delivery))) return 'valid';
    const earlier = delivery.readdresses ?? [];
    if (matches(this.legacyMac(token.ref))) return earlier.length === 0 ? 'valid' : 'stale';
    return earlier.some((r) => matches(this.mac(token.ref, { email: r.from, messageId: r.messageId }))) ? 'stale' : 'forged';
  }

  private mac(ref: DeliveryRef, issuedFor: IssuedFor): string {
    const bound = `${ref.campaign}.${ref.authorityId}.${ref.recipient}\n${issuedFor.email.trim().toLowerCase()}\n${issuedFor.messageId}`;
    return createHmac('sha256', this.secret).update(bound).digest('hex').slice(0, MAC_HEX);
  }

  /** The mac before it covered the address: the ids alone. */
  private legacyMac(ref: DeliveryRef): string {
    return createHmac('sha256', this.secret).update(`${ref.campaign}.${ref.authorityId}.${ref.recipient}`).digest('hex').slice(0, MAC_HEX);
  }
}

/** The VERP signer from BOUNCE_ADDRESS and BOUNCE_SECRET, or undefined when bounces are not set up. */
export function verpFromConfig(config: { BOUNCE_ADDRESS?: string | undefined; BOUNCE_SECRET?: string | undefined }): Verp | undefined {
  return config.BOUNCE_ADDRESS && config.BOUNCE_SECRET ? new Verp(config.BOUNCE_ADDRESS, config.BOUNCE_SECRET) : undefined;
}
