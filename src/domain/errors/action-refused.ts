/**
 * An operator's action on one delivery or letter job that cannot be done as
 * asked: there is no such delivery, the new address is outside
 * RECIPIENT_ALLOWLIST, or the delivery or job is not in a state the action
 * applies to (a job running right now, a delivery not bounced). Nothing was
 * changed; the message says why. The console answers 404, 400 or 409 by
 * `reason`; the command line exits 1 (2 for `not-allowed`, a bad argument).
 */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(
    message: string,
    readonly reason: 'not-found' | 'not-allowed' | 'conflict',
  ) {
    super(message);
  }
}
