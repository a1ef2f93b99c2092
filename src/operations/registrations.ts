/**
 * Monitoring officers' registrations: what the register server's visitors
 * confirm and withdraw, and what operators decide (the console's
 * Registrations page and `registrations approve|reject`). A decision writes
 * `registration.decided` to the delivery log, with who made it.
 */
import { EVENT, type Registration } from '../domain/index.js';
import type { NewRegistration } from '../storage/registration-store.js';
import type { OperationsContext } from './context.js';

export type RegistrationDecision = 'approved' | 'rejected';

/** Every registration, oldest first. */
export function listRegistrations(ctx: OperationsContext): Promise<Registration[]> {
  return ctx.storage.registrations.list();
}

/** An operator's decision; RegistrationError (nothing changed) when there is no such registration or it was withdrawn. */
export async function decideRegistration(
  ctx: OperationsContext,
  id: string,
  decision: RegistrationDecision,
  by: string,
): Promise<Registration> {
  const registration = await ctx.storage.registrations.decide(id, decision, by);
  ctx.deliveryLog.info(
    { event: EVENT.registrationDecided, registration: id, authorityId: registration.authorityId, decision, by },
    EVENT.registrationDecided,
  );
  return registration;
}

/** An officer followed their confirmation link: the address becomes a registration, waiting for an operator. */
export function confirmRegistration(ctx: OperationsContext, input: NewRegistration): Promise<Registration> {
  return ctx.storage.registrations.confirm(input);
}

/** An officer followed their withdrawal link: every registration of the address is withdrawn. */
export function withdrawRegistrations(ctx: OperationsContext, email: string): Promise<Registration[]> {
  return ctx.storage.registrations.withdrawAddress(email);
}
