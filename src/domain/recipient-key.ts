/**
 * The grammar of a recipient key: which letter of an authority a delivery is.
 * Nothing outside this file matches or builds a key.
 *
 *   ceo                 the chief executive, to whom the letter is addressed
 *   head                the political head (Mayor, Leader, Chair, ...)
 *   <role>-N            the Nth copy in a role, in file order: mo-1 (monitoring officers),
 *                       link-officer-2 (a role from contacts.csv), N from 1
 *   <key>~resend-N      the Nth resend of a delivered letter (`resend`): a delivery of its own
 *
 * A role is lower-case letters and digits in "-"-joined words (campaign.json's
 * `recipients.copies`), so a key is lower-case letters, digits, "-" and "~":
 * it is part of ledger fields, job ids, Message-IDs and VERP addresses.
 */

/** A copy role's name, as campaign.json declares it: "mo", "link-officer", "scrutiny-chair". */
export const ROLE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const COPY_NUMBER = '[1-9][0-9]{0,3}';
const BASE_KEY = `(?:ceo|head|[a-z][a-z0-9]*(?:-[a-z0-9]+)*-${COPY_NUMBER})`;
/** Any recipient key, a resend's included. */
export const RECIPIENT_KEY = new RegExp(`^${BASE_KEY}(?:~resend-${COPY_NUMBER})?$`);
const RESEND = /^(.+)~resend-([1-9][0-9]*)$/;

/** Longest key accepted from outside (a URL, a command line). */
export const RECIPIENT_KEY_MAX_LENGTH = 120;

/** Whether `key` is a recipient key of any kind. */
export function isRecipientKey(key: string): boolean {
  return key.length <= RECIPIENT_KEY_MAX_LENGTH && RECIPIENT_KEY.test(key);
}

/** The key of the Nth copy (from 1) in a role: copyKey('mo', 2) is "mo-2". */
export function copyKey(role: string, n: number): string {
  return `${role}-${n}`;
}

/** The key of the Nth resend (from 1) of a delivery: resendKey('ceo', 1) is "ceo~resend-1". */
export function resendKey(recipient: string, n: number): string {
  return `${recipient}~resend-${n}`;
}

/** "ceo~resend-2" -> { recipient: "ceo", n: 2 }; null for a key that is not a resend. */
export function parseResendKey(key: string): { recipient: string; n: number } | null {
  const match = RESEND.exec(key);
  return match ? { recipient: match[1]!, n: Number(match[2]) } : null;
}

/** The recipient a key sends to: a resend's original recipient, or the key itself. */
export function baseRecipient(key: string): string {
  return parseResendKey(key)?.recipient ?? key;
}

/** Whether `key` is a resend of `recipient` ("ceo~resend-1" of "ceo"). */
export function isResendOf(key: string, recipient: string): boolean {
  return parseResendKey(key)?.recipient === recipient;
}
