/**
 * The CSRF guard: a random token kept in the session must come back with
 * every state-changing request, in a header or a form field. Our pages send
 * it as X-CSRF-Token (or the `_csrf` field of a form); bull-board's own
 * client (axios) sends it as X-XSRF-TOKEN, which it copies by itself from the
 * XSRF-TOKEN cookie that this module sets. A cross-site page can neither read
 * that cookie nor the session, so it cannot forge the header.
 *
 * The login form is for visitors who have no session, and must not make one
 * (every anonymous request would store a key in Redis): its token is a
 * double-submit cookie instead, httpOnly and sameSite strict, that the form
 * sends back as its `_csrf` field.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';

/** Read by bull-board's axios client (its default xsrfCookieName). */
export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADERS = ['x-csrf-token', 'x-xsrf-token'] as const;
export const CSRF_FIELD = '_csrf';
/** The login form's token, for visitors without a session. */
export const LOGIN_CSRF_COOKIE = 'arm.login-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** The session's token, made on first use. */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

/** Gives a browser the token in a cookie its scripts can read (not httpOnly, by design; sameSite strict). */
export function setCsrfCookie(req: Request, res: Response): void {
  res.cookie(CSRF_COOKIE, csrfToken(req), { httpOnly: false, sameSite: 'strict', secure: req.secure, path: '/' });
}

function cookieOf(req: Request, name: string): string | undefined {
  return parseCookies(req.headers.cookie ?? '')[name];
}

/** The login form's token: the visitor's cookie, made now if they have none. Touches no session. */
export function loginCsrfToken(req: Request, res: Response): string {
  const existing = cookieOf(req, LOGIN_CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  res.cookie(LOGIN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/login' });
  return token;
}

function fieldToken(req: Request): string | undefined {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && CSRF_FIELD in body) {
    const field = (body as Record<string, unknown>)[CSRF_FIELD];
    if (typeof field === 'string') return field;
  }
  return undefined;
}

function presentedToken(req: Request): string | undefined {
  for (const name of CSRF_HEADERS) {
    const value = req.get(name);
    if (value) return value;
  }
  return fieldToken(req);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuses (403) a state-changing request whose token is missing or is not the session's. */
export function csrfGuard(): RequestHandler {
  return (req, res, next) => {
    if (isSafeMethod(req.method)) return next();
    const expected = req.session?.csrfToken;
    const presented = presentedToken(req);
    if (expected && presented && sameToken(expected, presented)) return next();
    res.status(403).json({ error: 'Forbidden', message: 'missing or wrong CSRF token; reload the page and try again' });
  };
}

/** Refuses (403) a sign-in whose form field is not the visitor's login cookie. */
export function loginCsrfGuard(): RequestHandler {
  return (req, res, next) => {
    const expected = cookieOf(req, LOGIN_CSRF_COOKIE);
    const presented = fieldToken(req);
    if (expected && presented && sameToken(expected, presented)) return next();
    res.status(403).json({ error: 'Forbidden', message: 'missing or wrong CSRF token; reload the page and try again' });
  };
}
