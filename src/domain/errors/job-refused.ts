/**
 * A letter job whose data is not what the fan-out or an operation wrote (an
 * unknown field, a malformed id, a resend key no `resend` recorded): the
 * worker sends nothing for it and fails it for good, saying why.
 */
export class JobRefused extends Error {
  override name = 'JobRefused';
}
