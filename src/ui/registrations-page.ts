/**
 * The console's "Registrations" page: every monitoring officer who confirmed
 * their address on the register server, whether its domain is the chief
 * executive's, and who approved or rejected it. Operators approve or reject
 * with plain forms (the CSRF token in `_csrf`); read-only users see the same
 * list without the buttons, and the server refuses their posts anyway.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { domainMatches, emailDomain, RegistrationError, RegistrationStore, type Registration } from '../register/registration-store.js';
import { BOARD_PATH } from './bull-board.js';
import { csrfToken, CSRF_FIELD } from './csrf.js';
import { escapeHtml, renderPage } from './html.js';
import { nonceOf, pagePolicy } from './security-headers.js';

export const REGISTRATIONS_PATH = '/registrations';

const STYLE = `
main { padding: 20px 24px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td form { display: inline; margin: 0 4px 0 0; }
.match { color: var(--sent); } .differs { color: var(--perm); font-weight: 600; }
.status { border-radius: 10px; padding: 1px 8px; font-size: 12px; background: var(--pending-bg); }
.status.approved { background: var(--sent-bg); color: var(--sent); } .status.rejected, .status.withdrawn { background: var(--perm-bg); color: var(--perm); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.notice { background: var(--sending-bg); padding: 8px 12px; border-radius: 6px; }
`;

const when = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' });

function row(r: Registration, token: string, canDecide: boolean): string {
  const domain = domainMatches(r)
    ? `<span class="match">✓ ${escapeHtml(emailDomain(r.email))}</span>`
    : `<span class="differs">✗ ${escapeHtml(emailDomain(r.email))}</span> <small>(chief executive: ${escapeHtml(r.ceDomain || 'unknown')})</small>`;
  const decided = r.decidedBy ? `${r.status === 'withdrawn' ? 'decided' : r.status} by ${escapeHtml(r.decidedBy)}, ${escapeHtml(when(r.decidedAt))}` : '';
  const button = (action: 'approve' | 'reject', label: string) =>
    `<form method="post" action="${REGISTRATIONS_PATH}/${escapeHtml(r.id)}/${action}"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}"><button class="btn${action === 'approve' ? ' primary' : ''}" type="submit" aria-label="${label} ${escapeHtml(r.name)}, ${escapeHtml(r.authorityName)}">${label}</button></form>`;
  const actions =
    canDecide && r.status !== 'withdrawn'
      ? `${r.status !== 'approved' ? button('approve', 'Approve') : ''}${r.status !== 'rejected' ? button('reject', 'Reject') : ''}`
      : '';
  return `<tr data-id="${escapeHtml(r.id)}">
<td>${escapeHtml(r.authorityName)}<br><small>${escapeHtml(r.authorityId)}</small></td>
<td>${escapeHtml(r.name)}<br><small>${escapeHtml(r.email)}</small></td>
<td>${domain}</td>
<td><span class="status ${r.status}">${r.status === 'confirmed' ? 'waiting' : r.status}</span></td>
<td>${escapeHtml(when(r.confirmedAt))}<br><small>from ${escapeHtml(r.confirmedFrom)}</small>${r.withdrawnAt ? `<br><small>withdrawn ${escapeHtml(when(r.withdrawnAt))}</small>` : ''}</td>
<td>${decided}</td>
<td>${actions}</td>
</tr>`;
}

function page(req: Request, res: Response, registrations: Registration[]): string {
  const user = req.session.user!;
  const token = csrfToken(req);
  const canDecide = user.role === 'operator';
  const notice = typeof req.query.done === 'string' && /^(approved|rejected) r[0-9a-f]{12}$/.test(req.query.done) ? `<p class="notice" role="status">${escapeHtml(req.query.done.replace(' ', ': '))}</p>` : '';
  return renderPage({
    title: 'Registrations · Annual Review letters',
    nonce: nonceOf(res),
    style: STYLE,
    body: `<header class="bar"><h1>Annual Review letters</h1><a href="/">Campaign</a><a href="${BOARD_PATH}">Queues</a><span class="spacer"></span>
<span class="who">${escapeHtml(user.name)} · ${canDecide ? 'operator' : 'read-only'}</span>
<form method="post" action="/logout"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}"><button class="link" type="submit">Sign out</button></form></header>
<main>
<h2>Monitoring officers' registrations</h2>
${notice}
<p>Confirmed on the register page. Approved ones reach a run only through <code>registrations export --data DIR</code>, then validate, preview and approve.</p>
${
  registrations.length === 0
    ? '<p>No registrations yet.</p>'
    : `<table><thead><tr><th>Authority</th><th>Officer</th><th>Domain</th><th>Status</th><th>Confirmed</th><th>Decision</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${registrations.map((r) => row(r, token, canDecide)).join('')}</tbody></table>`
}
</main>`,
  });
}

/** GET /registrations and POST /registrations/:id/(approve|reject). Mount after the login, role and CSRF guards. */
export function registrationsPage(options: { store: RegistrationStore; log: Logger }): Router {
  const router = express.Router();
  router.get(REGISTRATIONS_PATH, pagePolicy(), async (req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.send(page(req, res, (await options.store.list()).reverse()));
    } catch (error) {
      next(error);
    }
  });
  router.post(`${REGISTRATIONS_PATH}/:id/:action`, async (req, res, next) => {
    const decision = req.params.action === 'approve' ? 'approved' : req.params.action === 'reject' ? 'rejected' : null;
    if (!decision) return next();
    try {
      const by = req.session.user!.name;
      const registration = await options.store.decide(req.params.id, decision, by);
      options.log.info({ event: 'ui.registration-decided', registration: registration.id, decision, user: by }, 'ui.registration-decided');
      res.redirect(303, `${REGISTRATIONS_PATH}?done=${encodeURIComponent(`${decision} ${registration.id}`)}`);
    } catch (error) {
      if (error instanceof RegistrationError) return void res.status(409).type('text/plain').send(error.message);
      next(error);
    }
  });
  return router;
}
