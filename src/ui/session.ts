/**
 * The ui's session: express-session with its cookie httpOnly and sameSite
 * strict, stored in Redis under the installation's prefix.
 */
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import session from 'express-session';
import type { RedisSessionStore } from '../storage/session-store.js';
import type { SessionUser } from './users.js';

declare module 'express-session' {
  interface SessionData {
    /** Who logged in; absent until they do. */
    user?: SessionUser;
    /** When they signed in (ms): the session ends UI_SESSION_LIFETIME_MS after, however busy. */
    signedInAt?: number;
    /** The anti-CSRF token every state-changing request must send back. */
    csrfToken?: string;
  }
}

export const SESSION_COOKIE = 'arm.sid';

export interface SessionOptions {
  /** Where sessions are kept: Redis, under the installation's prefix. */
  store: RedisSessionStore;
  /** Signs the cookie. Default: a random secret, so sessions end when the process does. */
  secret?: string;
  /** UI_SESSION_IDLE_MS: how long a session lasts without use. */
  idleMs: number;
}

export function createSessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    store: options.store,
    resave: false,
    saveUninitialized: false,
    // Each request pushes the expiry on: an operator watching a run is not logged out mid-run.
    // The absolute lifetime caps it (see requireLogin).
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      // Secure whenever the request came over TLS (directly, or via a proxy the app trusts).
      secure: 'auto',
      maxAge: options.idleMs,
      path: '/',
    },
  });
}
