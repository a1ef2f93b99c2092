/**
 * The links the register server emails: what they confirm, signed with
 * REGISTER_SECRET (HMAC-SHA256), with an expiry and a random nonce that the
 * store marks used, so each link works once and only until it expires.
 * Nothing is stored until a confirmation link is followed: the link itself
 * carries what the officer typed.
 *
 * A token is `<payload>.<signature>`, both base64url; the payload is JSON.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** How long an emailed link works. */
export const LINK_LIFETIME_MS = 48 * 60 * 60 * 1000;

const payloadSchema = z.discriminatedUnion('purpose', [
  z.strictObject({
    purpose: z.literal('confirm'),
    authorityId: z.string(),
    name: z.string(),
    email: z.string(),
    nonce: z.string(),
    expiresAt: z.number(),
  }),
  z.strictObject({
    purpose: z.literal('withdraw'),
    email: z.string(),
    nonce: z.string(),
    expiresAt: z.number(),
  }),
]);

export type LinkPayload = z.infer<typeof payloadSchema>;
export type ConfirmLink = Extract<LinkPayload, { purpose: 'confirm' }>;
export type WithdrawLink = Extract<LinkPayload, { purpose: 'withdraw' }>;

/** Why a link was refused; the page says which, since none of them reveals anything about an address. */
export type LinkRefusal = 'forged' | 'expired';

export type LinkCheck = { ok: true; payload: LinkPayload } | { ok: false; refusal: LinkRefusal };

type Unsigned = Omit<ConfirmLink, 'nonce' | 'expiresAt'> | Omit<WithdrawLink, 'nonce' | 'expiresAt'>;

export class LinkSigner {
  constructor(private readonly secret: string) {}

  /** A new token for `what`, valid for LINK_LIFETIME_MS from `now`. */
  sign(what: Unsigned, now = Date.now()): string {
    const payload = { ...what, nonce: randomBytes(16).toString('base64url'), expiresAt: now + LINK_LIFETIME_MS };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload of a genuine, unexpired token. Whether it was used already is the store's to say. */
  verify(token: string, now = Date.now()): LinkCheck {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined || !sameText(signature, this.mac(body))) return { ok: false, refusal: 'forged' };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, refusal: 'forged' };
    }
    const parsed = payloadSchema.safeParse(json);
    // Well signed but not ours in shape: a token from another version of this code.
    if (!parsed.success) return { ok: false, refusal: 'forged' };
    if (parsed.data.expiresAt <= now) return { ok: false, refusal: 'expired' };
    return { ok: true, payload: parsed.data };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
