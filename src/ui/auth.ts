/**
 * Login, logout, and the two server-side rules every route is under:
 *   - nobody gets anything without a session (pages redirect to /login,
 *     API calls get 401);
 *   - only the operator role may use a state-changing method, on our API and
 *     on bull-board's alike; a read-only user gets 403, whatever buttons the
 *     page shows.
 * A session holds only who signed in and when: the role is looked up in the
 * current settings on every request, and a session ends UI_SESSION_LIFETIME_MS
 * after sign-in however busy it is. Wrong passwords are rate-limited per
 * client address and per account, counted in Redis so that every ui process
 * shares the counts.
 */

import { createHash } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import { EVENT } from '../domain/index.js';
import { StorageKeys } from '../storage/keys.js';
import { csrfGuard, csrfToken, isSafeMethod, LOGIN_CSRF_COOKIE, loginCsrfGuard, loginCsrfToken, setCsrfCookie } from './csrf.js';
import { loginPage, logoutPage } from './html.js';
import { pagePolicy } from './security-headers.js';
import { SESSION_COOKIE } from './session.js';
import type { Credentials } from './users.js';

export interface LoginLimit {
  /** Window in which failed logins are counted. Default 15 minutes. */
  windowMs: number;
  /** Failed logins allowed per client address in the window. Default 10. */
  limit: number;
  /**
   * Failed logins allowed per account (user name, any case) in the window,
   * from all addresses together: guessing one operator's password from many
   * addresses stops here. Default 20.
   */
  perAccount?: number;
}

const DEFAULT_PER_ACCOUNT = 20;
export const DEFAULT_LOGIN_LIMIT: LoginLimit = { windowMs: 15 * 60 * 1000, limit: 10, perAccount: DEFAULT_PER_ACCOUNT };

export interface AuthOptions {
  credentials: Credentials;
  log: Logger;
  loginLimit?: LoginLimit;
  /** Where failed sign-ins are counted, shared by every ui process of the installation. */
  redis: Redis;
  prefix: string;
}

export interface SessionLimits {
  /** UI_SESSION_IDLE_MS */
  idleMs: number;
  /** UI_SESSION_LIFETIME_MS */
  lifetimeMs: number;
}

const STYLESHEETS = ['login.css'];

function signInPage(req: Request, res: Response, options: { error?: string; next: string; name?: string }): string {
  return loginPage({
    stylesheets: STYLESHEETS,
    error: options.error ?? null,
    csrfToken: loginCsrfToken(req, res),
    next: options.next,
    name: options.name ?? '',
  });
}

/** The user name the sign-in form carries, as typed (at most 200 characters). */
function typedName(req: Request): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return typeof body.username === 'string' ? body.username.slice(0, 200) : '';
}

/** The per-account limit's key: the name's hash, the same for any case. */
function accountKey(name: string): string {
  return createHash('sha256').update(name.trim().toLowerCase()).digest('hex');
}

/**
 * rate-limit-redis's way to Redis. It loads its script once and keeps the
 * promise of the script's SHA for good, so a load that failed while Redis was
 * away would fail every later sign-in. The SHA is the script's SHA1: on such
 * a failure it is answered here, and EVALSHA, finding the script missing
 * (NOSCRIPT) once Redis is back, makes the store load it again.
 */
function redisCommandSender(redis: Redis): (command: string, ...args: string[]) => Promise<RedisReply> {
  return async (command, ...args) => {
    try {
      return (await redis.call(command, ...args)) as RedisReply;
    } catch (error) {
      if (command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined)
        return createHash('sha1').update(args[1]).digest('hex');
      throw error;
    }
  };
}

/** Only a path on this site: never `//host` or `https://...`, so a login link cannot send anyone elsewhere. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

export function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.originalUrl.startsWith('/queues/api/') || !req.accepts('html');
}

/** GET/POST /login and /logout. Mount before `requireLogin`. */
export function authRoutes(options: AuthOptions): Router {
  const router = express.Router();
  const limit = options.loginLimit ?? DEFAULT_LOGIN_LIMIT;
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const keys = new StorageKeys(options.prefix);
  const minutes = Math.ceil(limit.windowMs / 60_000);
  const sendCommand = redisCommandSender(options.redis);
  const limiter = rateLimit({
    windowMs: limit.windowMs,
    limit: limit.limit,
    // Only failed logins (401) count: an operator who signs in often is never locked out.
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new RedisStore({ prefix: keys.loginLimitPrefix(), sendCommand }),
    handler: (req, res) => {
      options.log.warn({ event: EVENT.uiLoginRateLimited, scope: 'address', ip: req.ip }, 'ui.login-rate-limited');
      res
        .status(429)
        .send(signInPage(req, res, { error: `Too many failed sign-ins from this address. Try again in ${minutes} minutes.`, next: '/' }));
    },
  });
  // Per account, beside per address: many addresses guessing one operator's password share one count.
  const accountLimiter = rateLimit({
    windowMs: limit.windowMs,
    limit: limit.perAccount ?? DEFAULT_PER_ACCOUNT,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // The name as typed may be a password pasted into the wrong box: only its hash reaches Redis.
    keyGenerator: (req) => accountKey(typedName(req)),
    store: new RedisStore({ prefix: keys.loginAccountLimitPrefix(), sendCommand }),
    handler: (req, res) => {
      const name = typedName(req);
      const known = options.credentials.current(name) !== null;
      options.log.warn(
        { event: EVENT.uiLoginRateLimited, scope: 'account', user: known ? name : '(unknown user)', ip: req.ip },
        'ui.login-rate-limited',
      );
      res.status(429).send(
        signInPage(req, res, {
          error: `Too many failed sign-ins for this account. Try again in ${minutes} minutes.`,
          next: '/',
          name,
        }),
      );
    },
  });

  router.get('/login', pagePolicy(), (req, res) => {
    if (req.session.user) return res.redirect(303, safeNext(req.query.next));
    res.send(signInPage(req, res, { next: safeNext(req.query.next) }));
  });

  router.post('/login', pagePolicy(), limiter, form, accountLimiter, loginCsrfGuard(), async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const name = typedName(req);
      const password = typeof body.password === 'string' ? body.password.slice(0, 1000) : '';
      const target = safeNext(body.next);
      const user = await options.credentials.check(name, password);
      if (!user) {
        // An unknown name is not logged as typed: people do paste a password into the wrong box.
        const known = options.credentials.current(name) !== null;
        options.log.warn({ event: EVENT.uiLoginFailed, user: known ? name : '(unknown user)', ip: req.ip }, 'ui.login-failed');
        res.status(401).send(signInPage(req, res, { error: 'Wrong user name or password.', next: target, name }));
        return;
      }
      // A new session id on login, so a session fixed before it is worth nothing after.
      req.session.regenerate((error) => {
        if (error) return next(error);
        req.session.user = user;
        req.session.signedInAt = Date.now();
        csrfToken(req);
        res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/login' });
        options.log.info({ event: EVENT.uiLogin, user: user.name, role: user.role, ip: req.ip }, 'ui.login');
        req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(303, target)));
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/logout', pagePolicy(), (req, res) => {
    // Nobody to sign out: no page, so no session is made for its token.
    if (!req.session.user) return res.redirect(303, '/login');
    res.send(logoutPage({ stylesheets: STYLESHEETS, csrfToken: csrfToken(req) }));
  });

  router.post('/logout', form, csrfGuard(), (req, res, next) => {
    const name = req.session.user?.name;
    req.session.destroy((error) => {
      if (error) return next(error);
      if (name) options.log.info({ event: EVENT.uiLogout, user: name }, 'ui.logout');
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, '/login');
    });
  });

  return router;
}

/**
 * No session, no entry: pages redirect to the login form, API calls get 401.
 * A session whose user the settings no longer have, or that is older than its
 * lifetime, ends here; a user's role is the one the settings give now.
 */
export function requireLogin(credentials: Credentials, limits: SessionLimits, log: Logger): RequestHandler {
  return (req, res, next) => {
    const signedIn = req.session.user;
    if (signedIn) {
      const user = credentials.current(signedIn.name);
      const age = Date.now() - (req.session.signedInAt ?? 0);
      if (user && age < limits.lifetimeMs) {
        if (user.role !== signedIn.role) req.session.user = user;
        // The rolling cookie (and the Redis key's expiry) never reach past the lifetime.
        req.session.cookie.maxAge = Math.min(limits.idleMs, limits.lifetimeMs - age);
        // Keep the XSRF-TOKEN cookie in step with the session for bull-board's client.
        if (isSafeMethod(req.method)) setCsrfCookieOnce(req, res);
        return next();
      }
      log.info({ event: EVENT.uiSessionEnded, user: signedIn.name, reason: user ? 'lifetime' : 'user removed' }, 'ui.session-ended');
      return req.session.destroy((error) => {
        if (error) return next(error);
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        refuse(req, res);
      });
    }
    refuse(req, res);
  };
}

function refuse(req: Request, res: Response): void {
  if (wantsJson(req)) {
    res.status(401).json({ error: 'Unauthorized', message: 'sign in first' });
    return;
  }
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
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
    log.warn({ event: EVENT.uiForbidden, user: req.session.user?.name, method: req.method, path: req.originalUrl }, 'ui.forbidden');
    res.status(403).json({ error: 'Forbidden', message: 'read-only users cannot change anything' });
  };
}
