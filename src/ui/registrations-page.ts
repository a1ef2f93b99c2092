/**
 * The console's "Registrations" page: every monitoring officer who confirmed
 * their address on the register server, whether its domain is the chief
 * executive's, and who approved or rejected it. Operators approve or reject
 * with plain forms (the CSRF token in `_csrf`); read-only users see the same
 * list without the buttons, and the server refuses their posts anyway.
 */

import express, { type Request, type Response, type Router } from 'express';
import { domainMatches, emailDomain, type Registration, RegistrationError } from '../domain/index.js';
import type { OperationsContext } from '../operations/context.js';
import { decideRegistration, listRegistrations } from '../operations/registrations.js';
import { BOARD_PATH } from './bull-board.js';
import { csrfToken } from './csrf.js';
import { type RegistrationsPageView, registrationsPageHtml } from './html.js';
import { pagePolicy } from './security-headers.js';

export const REGISTRATIONS_PATH = '/registrations';

const when = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' });

function row(r: Registration, canDecide: boolean): RegistrationsPageView['rows'][number] {
  const actions: RegistrationsPageView['rows'][number]['actions'] = [];
  if (canDecide && r.status !== 'withdrawn') {
    if (r.status !== 'approved') actions.push({ action: 'approve', label: 'Approve', primary: true });
    if (r.status !== 'rejected') actions.push({ action: 'reject', label: 'Reject', primary: false });
  }
  return {
    id: r.id,
    authorityId: r.authorityId,
    authorityName: r.authorityName,
    name: r.name,
    email: r.email,
    domain: emailDomain(r.email),
    ceDomain: r.ceDomain || 'unknown',
    domainMatches: domainMatches(r),
    status: r.status,
    statusLabel: r.status === 'confirmed' ? 'waiting' : r.status,
    confirmedAt: when(r.confirmedAt),
    confirmedFrom: r.confirmedFrom,
    withdrawnAt: r.withdrawnAt === undefined ? null : when(r.withdrawnAt),
    decision: r.decidedBy ? `${r.status === 'withdrawn' ? 'decided' : r.status} by ${r.decidedBy}, ${when(r.decidedAt)}` : '',
    actions,
  };
}

function page(req: Request, _res: Response, registrations: Registration[]): string {
  const user = req.session.user!;
  const canDecide = user.role === 'operator';
  const done =
    typeof req.query.done === 'string' && /^(approved|rejected) r[0-9a-f]{12}$/.test(req.query.done)
      ? req.query.done.replace(' ', ': ')
      : null;
  return registrationsPageHtml({
    stylesheets: ['registrations.css'],
    boardPath: BOARD_PATH,
    csrfToken: csrfToken(req),
    user: { name: user.name, roleLabel: canDecide ? 'operator' : 'read-only' },
    notice: done,
    rows: registrations.map((r) => row(r, canDecide)),
  });
}

/** GET /registrations and POST /registrations/:id/(approve|reject). Mount after the login, role and CSRF guards. */
export function registrationsPage(options: { ops: OperationsContext }): Router {
  const router = express.Router();
  router.get(REGISTRATIONS_PATH, pagePolicy(), async (req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.send(page(req, res, (await listRegistrations(options.ops)).reverse()));
    } catch (error) {
      next(error);
    }
  });
  router.post(`${REGISTRATIONS_PATH}/:id/:action`, async (req, res, next) => {
    const decision = req.params.action === 'approve' ? 'approved' : req.params.action === 'reject' ? 'rejected' : null;
    if (!decision) return next();
    try {
      const registration = await decideRegistration(options.ops, req.params.id, decision, req.session.user!.name);
      res.redirect(303, `${REGISTRATIONS_PATH}?done=${encodeURIComponent(`${decision} ${registration.id}`)}`);
    } catch (error) {
      if (error instanceof RegistrationError) return void res.status(409).type('text/plain').send(error.message);
      next(error);
    }
  });
  return router;
}
