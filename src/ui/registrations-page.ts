/**
 * The console's "Registrations" page: the monitoring officers who confirmed
 * their address on the register server, a page at a time, newest first, each
 * with the evidence an operator decides on: whether its domain is one of the
 * authority's (the chief executive's, the political head's, its monitoring
 * officers'), the officers already on file, and the address's history (a
 * rejection before is shown, never forgotten). Operators approve or reject
 * with plain forms (the CSRF token in `_csrf`); approving an address at none
 * of the authority's domains needs a typed reason, recorded with the
 * decision. Read-only users see the same list without the buttons, and the
 * server refuses their posts anyway.
 */

import express, { type Request, type Response, type Router } from 'express';
import { type HistoryLine, type Registration, RegistrationError, type RegistrationEvidence } from '../domain/index.js';
import type { OperationsContext } from '../operations/context.js';
import { decideRegistration, type RegistrationWithEvidence, registrationsPage as readPage } from '../operations/registrations.js';
import { BOARD_PATH } from './bull-board.js';
import { csrfToken } from './csrf.js';
import { type RegistrationsPageView, registrationsPageHtml } from './html.js';
import { pagePolicy } from './security-headers.js';

export const REGISTRATIONS_PATH = '/registrations';

/** Registrations per page: each reads its address's and its authority's registrations, so a page's work stays small. */
export const REGISTRATIONS_PAGE_SIZE = 25;

/** A reason is one line of at most this many characters: it goes into the delivery log and `registrations list`. */
const REASON_MAX = 500;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const when = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' });

function historyText(line: HistoryLine, current: Registration): string {
  const what =
    line.what === 'confirmed'
      ? `confirmed from ${line.from ?? 'an unknown address'}`
      : line.what === 'withdrawn'
        ? 'withdrawn by its officer'
        : `${line.what} by ${line.by ?? 'unknown'}${line.reason ? `: ${line.reason}` : ''}`;
  const other = line.registrationId === current.id ? '' : ` (for ${line.authorityName})`;
  return `${when(line.at)}: ${what}${other}`;
}

function evidenceView(r: Registration, e: RegistrationEvidence) {
  return {
    domain: e.domain,
    match: e.match ? `${e.match.whose.join(', ')}` : null,
    knownDomains: e.knownDomains.map((k) => `${k.domain} (${k.whose.join(', ')})`).join('; ') || 'none on file',
    officersOnFile: e.officersOnFile.map((o) => ({
      name: o.name,
      email: o.email,
      source: o.source === 'data' ? 'in the data' : 'approved registration',
    })),
    // The current confirmation is the row's own "Confirmed" column: the history is what came before and beside it.
    history: e.addressHistory
      .filter((line) => !(line.registrationId === r.id && line.what === 'confirmed' && line.at === r.confirmedAt))
      .map((line) => historyText(line, r)),
    rejectedBefore: e.rejectedBefore,
  };
}

function row({ registration: r, evidence }: RegistrationWithEvidence, canDecide: boolean): RegistrationsPageView['rows'][number] {
  const open = canDecide && r.status !== 'withdrawn';
  const decision = r.decidedBy
    ? `${r.status === 'withdrawn' ? 'decided' : r.status} by ${r.decidedBy}, ${when(r.decidedAt)}${r.decisionReason ? `: ${r.decisionReason}` : ''}`
    : '';
  return {
    id: r.id,
    authorityId: r.authorityId,
    authorityName: r.authorityName,
    name: r.name,
    email: r.email,
    ...evidenceView(r, evidence),
    status: r.status,
    statusLabel: r.status === 'confirmed' ? 'waiting' : r.status,
    confirmedAt: when(r.confirmedAt),
    confirmedFrom: r.confirmedFrom,
    withdrawnAt: r.withdrawnAt === undefined ? null : when(r.withdrawnAt),
    decision,
    canApprove: open && r.status !== 'approved',
    canReject: open && r.status !== 'rejected',
    needsReason: !evidence.match,
  };
}

interface Shown {
  notice?: string | null;
  error?: string | null;
}

async function page(req: Request, ops: OperationsContext, number: number, shown: Shown): Promise<string> {
  const user = req.session.user!;
  const canDecide = user.role === 'operator';
  const read = await readPage(ops, number, REGISTRATIONS_PAGE_SIZE);
  return registrationsPageHtml({
    stylesheets: ['registrations.css'],
    boardPath: BOARD_PATH,
    csrfToken: csrfToken(req),
    user: { name: user.name, roleLabel: canDecide ? 'operator' : 'read-only' },
    notice: shown.notice ?? null,
    error: shown.error ?? null,
    rows: read.rows.map((r) => row(r, canDecide)),
    total: read.total,
    page: read.page,
    pages: read.pages,
    newer: read.page > 1 ? `${REGISTRATIONS_PATH}?page=${read.page - 1}` : null,
    older: read.page < read.pages ? `${REGISTRATIONS_PATH}?page=${read.page + 1}` : null,
  });
}

/** ?page=N (from 1); anything else is the first page. */
function pageNumber(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,6}$/.test(value) ? Number(value) : 1;
  return n;
}

/** GET /registrations[?page=N] and POST /registrations/:id/(approve|reject). Mount after the login, role and CSRF guards. */
export function registrationsPage(options: { ops: OperationsContext }): Router {
  const router = express.Router();
  router.get(REGISTRATIONS_PATH, pagePolicy(), async (req, res, next) => {
    try {
      const done =
        typeof req.query.done === 'string' && /^(approved|rejected) r[0-9a-f]{12}$/.test(req.query.done)
          ? req.query.done.replace(' ', ': ')
          : null;
      res.setHeader('Cache-Control', 'no-store');
      res.send(await page(req, options.ops, pageNumber(req.query.page), { notice: done }));
    } catch (error) {
      next(error);
    }
  });
  router.post(`${REGISTRATIONS_PATH}/:id/:action`, pagePolicy(), async (req: Request, res: Response, next) => {
    const decision = req.params.action === 'approve' ? 'approved' : req.params.action === 'reject' ? 'rejected' : null;
    if (!decision) return next();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const number = pageNumber(body.page);
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    const refuse = async (status: number, error: string) => {
      res.setHeader('Cache-Control', 'no-store');
      res.status(status).send(await page(req, options.ops, number, { error }));
    };
    try {
      if (reason.length > REASON_MAX || CONTROL.test(reason))
        return await refuse(400, `reason: must be one line of at most ${REASON_MAX} characters; nothing was changed`);
      const registration = await decideRegistration(options.ops, String(req.params.id), decision, req.session.user!.name, reason);
      res.redirect(303, `${REGISTRATIONS_PATH}?page=${number}&done=${encodeURIComponent(`${decision} ${registration.id}`)}`);
    } catch (error) {
      if (error instanceof RegistrationError) return void (await refuse(error.needs === 'reason' ? 400 : 409, error.message).catch(next));
      next(error);
    }
  });
  return router;
}
