/**
 * Login, logout, and the two server-side rules every route is under:
 *   - nobody gets anything without a session (pages redirect to /login,
 *     API calls get 401);
 *   - only the operator role may use a state-changing method, on our API and
 *     on bull-board's alike; a read-only user gets 403, whatever buttons the
 *     page shows.
 * Wrong passwords are rate-limited per client address.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { csrfGuard, csrfToken, CSRF_FIELD, isSafeMethod, setCsrfCookie } from './csrf.js';
import { escapeHtml, renderPage } from './html.js';
import { nonceOf, pagePolicy } from './security-headers.js';
import { SESSION_COOKIE } from './session.js';
import { authenticate, type UiUser } from './users.js';

export interface LoginLimit {
  /** Window in which failed logins are counted. Default 15 minutes. */
  windowMs: number;
  /** Failed logins allowed per client address in the window. Default 10. */
  limit: number;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimit = { windowMs: 15 * 60 * 1000, limit: 10 };

export interface AuthOptions {
  users: readonly UiUser[];
  log: Logger;
  loginLimit?: LoginLimit;
}

const LOGIN_STYLE = `
main.login { max-width: 380px; margin: 12vh auto 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 28px 30px 30px; box-shadow: 0 2px 10px rgba(23,50,77,.06); }
main.login h1 { font-size: 19px; margin: 0 0 2px; }
main.login p.sub { margin: 0 0 22px; color: var(--muted); }
main.login label { display: block; font-weight: 600; margin: 14px 0 4px; }
main.login input[type=text], main.login input[type=password] { width: 100%; padding: 8px 10px; border: 1px solid #c5cfda; border-radius: 6px; }
main.login input:focus { outline: 2px solid #9ec5fe; border-color: var(--accent); }
main.login button { width: 100%; margin-top: 22px; padding: 9px; }
main.login .error { background: var(--perm-bg); color: var(--perm); border-radius: 6px; padding: 8px 10px; margin-bottom: 8px; }
`;

function loginPage(req: Request, res: Response, options: { error?: string; next: string; name?: string }): string {
  return renderPage({
    title: 'Sign in · Annual Review letters',
    nonce: nonceOf(res),
    style: LOGIN_STYLE,
    body: `<main class="login">
<h1>Annual Review letters</h1>
<p class="sub">Operators' console. Sign in to continue.</p>
${options.error ? `<div class="error" role="alert">${escapeHtml(options.error)}</div>` : ''}
<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken(req))}">
<input type="hidden" name="next" value="${escapeHtml(options.next)}">
<label for="username">User name</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${escapeHtml(options.name ?? '')}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="btn primary" type="submit">Sign in</button>
</form>
</main>`,
  });
}

/** Only a path on this site: never `//host` or `https://...`, so a login link cannot send anyone elsewhere. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.originalUrl.startsWith('/queues/api/') || !req.accepts('html');
}

/** GET/POST /login and /logout. Mount before `requireLogin`. */
export function authRoutes(options: AuthOptions): Router {
  const router = express.Router();
  const limit = options.loginLimit ?? DEFAULT_LOGIN_LIMIT;
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const limiter = rateLimit({
    windowMs: limit.windowMs,
    limit: limit.limit,
    // Only failed logins (401) count: an operator who signs in often is never locked out.
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      options.log.warn({ event: 'ui.login-rate-limited', ip: req.ip }, 'ui.login-rate-limited');
      const minutes = Math.ceil(limit.windowMs / 60_000);
      res.status(429).send(loginPage(req, res, { error: `Too many failed sign-ins from this address. Try again in ${minutes} minutes.`, next: '/' }));
    },
  });

  router.get('/login', pagePolicy(), (req, res) => {
    if (req.session.user) return res.redirect(303, safeNext(req.query.next));
    res.send(loginPage(req, res, { next: safeNext(req.query.next) }));
  });

  router.post('/login', pagePolicy(), limiter, form, csrfGuard(), async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const name = typeof body.username === 'string' ? body.username.slice(0, 200) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1000) : '';
      const target = safeNext(body.next);
      const user = await authenticate(options.users, name, password);
      if (!user) {
        // An unknown name is not logged as typed: people do paste a password into the wrong box.
        const known = options.users.some((u) => u.name === name);
        options.log.warn({ event: 'ui.login-failed', user: known ? name : '(unknown user)', ip: req.ip }, 'ui.login-failed');
        res.status(401).send(loginPage(req, res, { error: 'Wrong user name or password.', next: target, name }));
        return;
      }
      // A new session id on login, so a session fixed before it is worth nothing after.
      req.session.regenerate((error) => {
        if (error) return next(error);
        req.session.user = user;
        csrfToken(req);
        options.log.info({ event: 'ui.login', user: user.name, role: user.role, ip: req.ip }, 'ui.login');
        req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(303, target)));
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/logout', pagePolicy(), (req, res) => {
    res.send(
      renderPage({
        title: 'Sign out',
        nonce: nonceOf(res),
        style: LOGIN_STYLE,
        body: `<main class="login"><h1>Sign out?</h1><p class="sub">You will need your password to come back.</p>
<form method="post" action="/logout"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken(req))}">
<button class="btn primary" type="submit">Sign out</button></form></main>`,
      }),
    );
  });

  router.post('/logout', form, csrfGuard(), (req, res, next) => {
    const name = req.session.user?.name;
    req.session.destroy((error) => {
      if (error) return next(error);
      if (name) options.log.info({ event: 'ui.logout', user: name }, 'ui.logout');
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, '/login');
    });
  });

  return router;
}

/** No session, no entry: pages redirect to the login form, API calls get 401. */
export function requireLogin(): RequestHandler {
  return (req, res, next) => {
    if (req.session.user) {
      // Keep the XSRF-TOKEN cookie in step with the session for bull-board's client.
      if (isSafeMethod(req.method)) setCsrfCookieOnce(req, res);
      return next();
    }
    if (wantsJson(req)) {
      res.status(401).json({ error: 'Unauthorized', message: 'sign in first' });
      return;
    }
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
}

function setCsrfCookieOnce(req: Request, res: Response): void {
  const header = req.headers.cookie ?? '';
  const token = csrfToken(req);
  if (!header.split(/;\s*/).includes(`XSRF-TOKEN=${token}`)) setCsrfCookie(req, res);
}

/** Read-only users may look but not touch: any method other than GET/HEAD/OPTIONS is refused. */
export function requireOperatorForChanges(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (isSafeMethod(req.method) || req.session.user?.role === 'operator') return next();
    log.warn({ event: 'ui.forbidden', user: req.session.user?.name, method: req.method, path: req.originalUrl }, 'ui.forbidden');
    res.status(403).json({ error: 'Forbidden', message: 'read-only users cannot change anything' });
  };
}
