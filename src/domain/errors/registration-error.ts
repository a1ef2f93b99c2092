/** An operator's decision on a registration that cannot be made (no such registration, or it was withdrawn); nothing changed. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
}
