/**
 * An operator's action on one delivery or letter job that cannot be done as
 * asked: there is no such delivery, the new address is outside
 * RECIPIENT_ALLOWLIST, it needs the operator's reason and has none (an
 * address at none of the authority's domains), or the delivery or job is not
 * in a state the action applies to (a job running right now, a delivery not
 * bounced). Nothing was changed; the message says why. The console answers
 * 404, 400 or 409 by `reason`; the command line exits 1 (2 for `not-allowed`
 * and `reason-needed`, a bad or missing argument).
 */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(
    message: string,
    readonly reason: 'not-found' | 'not-allowed' | 'reason-needed' | 'conflict',
  ) {
    super(message);
  }
}
