/**
 * A message to an address outside RECIPIENT_ALLOWLIST, stopped before it
 * reached the relay. Not an SMTP reply: it carries its own code, which the
 * send classifier counts as permanent (the address will not be allowed on a
 * retry), and `response`, which the ledger and the delivery log record.
 */
export class RecipientNotAllowedError extends Error {
  static readonly code = 'ENOTALLOWED';
  override name = 'RecipientNotAllowedError';
  readonly code = RecipientNotAllowedError.code;
  readonly response: string;

  constructor(readonly addresses: readonly string[]) {
    const response = `not sent: ${addresses.join(', ')} not in RECIPIENT_ALLOWLIST`;
    super(response);
    this.response = response;
  }
}
