/** A resend that must not happen (the letter was never delivered, or who and why are missing); the message says what to do. Nothing was recorded. */
export class ResendRefused extends Error {
  override name = 'ResendRefused';
}
