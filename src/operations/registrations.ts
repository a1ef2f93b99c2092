/**
 * Monitoring officers' registrations: what the register server's visitors
 * confirm and withdraw, and what operators decide (the console's
 * Registrations page and `registrations approve|reject`). A registration is
 * evidence for an operator, not a fact: each comes with what speaks for and
 * against it (registrationEvidence), and approving an address at none of the
 * authority's domains needs the operator's reason, recorded with the
 * decision. A decision writes `registration.decided` to the delivery log,
 * with who made it and why.
 */
import {
  EVENT,
  officerNameProblem,
  type Registration,
  RegistrationError,
  type RegistrationEvidence,
  registrationEvidence,
} from '../domain/index.js';
import type { NewRegistration } from '../storage/registration-store.js';
import type { OperationsContext } from './context.js';

export type RegistrationDecision = 'approved' | 'rejected';

/** A registration with its evidence, as an operator sees it before deciding. */
export interface RegistrationWithEvidence {
  registration: Registration;
  evidence: RegistrationEvidence;
}

/** One page of the console's list, newest first. */
export interface RegistrationsPage {
  rows: RegistrationWithEvidence[];
  total: number;
  /** From 1. */
  page: number;
  pages: number;
}

/** Every registration, oldest first (the export, `registrations list`). */
export function listRegistrations(ctx: OperationsContext): Promise<Registration[]> {
  return ctx.storage.registrations.list();
}

/** The evidence for one registration: its address's history and its authority's approved officers, read by index. */
export async function evidenceFor(ctx: OperationsContext, registration: Registration): Promise<RegistrationEvidence> {
  const store = ctx.storage.registrations;
  const [sameAddress, sameAuthority] = await Promise.all([
    store.ofAddress(registration.email),
    store.approvedFor(registration.authorityId),
  ]);
  return registrationEvidence(registration, { sameAddress, sameAuthority });
}

/** Page `page` (from 1; past the end, the last) of `pageSize` registrations, newest first, each with its evidence. */
export async function registrationsPage(ctx: OperationsContext, page: number, pageSize: number): Promise<RegistrationsPage> {
  const store = ctx.storage.registrations;
  let { total, registrations } = await store.page((Math.max(1, page) - 1) * pageSize, pageSize);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const shown = Math.min(Math.max(1, page), pages);
  if (shown !== page) ({ total, registrations } = await store.page((shown - 1) * pageSize, pageSize));
  const rows = await Promise.all(
    registrations.map(async (registration) => ({ registration, evidence: await evidenceFor(ctx, registration) })),
  );
  return { rows, total, page: shown, pages };
}

/**
 * An operator's decision. RegistrationError, with nothing changed, when there
 * is no such registration, it was withdrawn, or it is an approval of an
 * address at none of the authority's known domains without a reason
 * (`needs: 'reason'`).
 */
export async function decideRegistration(
  ctx: OperationsContext,
  id: string,
  decision: RegistrationDecision,
  by: string,
  reason?: string,
): Promise<Registration> {
  const store = ctx.storage.registrations;
  const current = await store.get(id);
  if (!current) throw new RegistrationError(`no registration ${id}`);
  const evidence = await evidenceFor(ctx, current);
  const why = reason?.trim() || undefined;
  if (decision === 'approved' && !evidence.match && !why) {
    const known = evidence.knownDomains.map((k) => k.domain).join(', ') || 'none on file';
    throw new RegistrationError(
      `registration ${id}: ${current.email} is at ${evidence.domain}, none of ${current.authorityName}'s domains (${known}); approving it needs a reason`,
      'reason',
    );
  }
  const registration = await store.decide(id, decision, by, why);
  ctx.deliveryLog.info(
    {
      event: EVENT.registrationDecided,
      registration: id,
      authorityId: registration.authorityId,
      decision,
      by,
      domain: evidence.domain,
      knownDomain: evidence.match ? evidence.match.whose.join(', ') : null,
      rejectedBefore: evidence.rejectedBefore,
      ...(why ? { reason: why } : {}),
    },
    EVENT.registrationDecided,
  );
  return registration;
}

/**
 * An officer followed their confirmation link: the address becomes a
 * registration, waiting for an operator. A name the register page would no
 * longer take (a link signed before the rule) is refused with nothing stored.
 */
export function confirmRegistration(ctx: OperationsContext, input: NewRegistration): Promise<Registration> {
  const problem = officerNameProblem(input.name);
  if (problem) return Promise.reject(new RegistrationError(`the name on this link cannot be registered: ${problem}`));
  return ctx.storage.registrations.confirm(input);
}

/** An officer followed their withdrawal link: every registration of the address is withdrawn. */
export function withdrawRegistrations(ctx: OperationsContext, email: string): Promise<Registration[]> {
  return ctx.storage.registrations.withdrawAddress(email);
}
