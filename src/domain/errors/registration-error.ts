/**
 * An operator's decision on a registration that cannot be made (no such
 * registration, it was withdrawn, or approving it needs a reason that was not
 * given); nothing changed.
 */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(
    message: string,
    /** 'reason' when the decision can be made once the operator gives a reason (`--reason`, the form's field). */
    readonly needs?: 'reason',
  ) {
    super(message);
  }
}
