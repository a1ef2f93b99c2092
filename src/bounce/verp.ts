/**
 * VERP: each letter's envelope sender names its delivery, so a bounce says
 * which letter it is about without our parsing the bounce's prose.
 *
 *   bounces+<campaign>.<authority>.<recipient>.<mac>@ombudsman.example
 *
 * The ids are already lower-case letters, digits, "-" (and "~" in a test
 * run's campaign), none of them contains ".", and the mac is hex: so the
 * token survives an MTA that lower-cases local parts, and reads plainly in a
 * relay's log. The mac is the first 64 bits of HMAC-SHA256(BOUNCE_SECRET,
 * "<campaign>.<authority>.<recipient>"): a bounce to a token we did not sign
 * changes nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface DeliveryRef {
  /** The ledger namespace: the campaign id, or "<id>~test" for a test run. */
  campaign: string;
  authorityId: string;
  recipient: string;
}

export type VerpReading =
  | { kind: 'signed'; ref: DeliveryRef }
  /** Addressed to the bounce mailbox with a token that does not verify: forged, mangled, or another secret's. */
  | { kind: 'forged'; token: string }
  /** Not a VERP address of this bounce mailbox at all. */
  | { kind: 'none' };

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

  /** The envelope sender for one delivery. */
  address(ref: DeliveryRef): string {
    for (const id of [ref.campaign, ref.authorityId, ref.recipient]) {
      if (!ID.test(id)) throw new Error(`VERP: ${JSON.stringify(id)} is not an id (lower-case letters, digits, "-", "~")`);
    }
    return `${this.local}+${this.token(ref)}@${this.domain}`;
  }

  /** Reads an address a bounce was sent to (case-insensitively, as MTAs may change case). */
  read(address: string): VerpReading {
    const lower = address.trim().replace(/^<|>$/g, '').toLowerCase();
    const at = lower.lastIndexOf('@');
    if (at < 0 || lower.slice(at + 1) !== this.domain) return { kind: 'none' };
    const local = lower.slice(0, at);
    if (!local.startsWith(`${this.local}+`)) return { kind: 'none' };
    const token = local.slice(this.local.length + 1);
    const parts = token.split('.');
    if (parts.length !== 4 || !parts.slice(0, 3).every((p) => ID.test(p))) return { kind: 'forged', token };
    const [campaign, authorityId, recipient, mac] = parts as [string, string, string, string];
    const ref = { campaign, authorityId, recipient };
    const expected = Buffer.from(this.mac(ref));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'forged', token };
    return { kind: 'signed', ref };
  }

  private token(ref: DeliveryRef): string {
    return `${ref.campaign}.${ref.authorityId}.${ref.recipient}.${this.mac(ref)}`;
  }

  private mac(ref: DeliveryRef): string {
    return createHmac('sha256', this.secret).update(`${ref.campaign}.${ref.authorityId}.${ref.recipient}`).digest('hex').slice(0, MAC_HEX);
  }
}

/** The VERP signer from BOUNCE_ADDRESS and BOUNCE_SECRET, or undefined when bounces are not set up. */
export function verpFromConfig(config: { BOUNCE_ADDRESS?: string | undefined; BOUNCE_SECRET?: string | undefined }): Verp | undefined {
  return config.BOUNCE_ADDRESS && config.BOUNCE_SECRET ? new Verp(config.BOUNCE_ADDRESS, config.BOUNCE_SECRET) : undefined;
}
