/**
 * The ui's session: express-session with its cookie httpOnly and sameSite
 * strict, stored in Redis under the installation's prefix.
 */
import { randomBytes } from 'node:crypto';
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RedisSessionStore } from './session-store.js';
import type { SessionUser } from './users.js';

declare module 'express-session' {
  interface SessionData {
    /** Who logged in; absent until they do. */
    user?: SessionUser;
    /** The anti-CSRF token every state-changing request must send back. */
    csrfToken?: string;
  }
}

export const SESSION_COOKIE = 'arm.sid';

export interface SessionOptions {
  redis: Redis;
  prefix: string;
  /** Signs the cookie. Default: a random secret, so sessions end when the process does. */
  secret?: string;
  /** How long a session lasts without use. Default 8 hours. */
  maxAgeMs?: number;
}

export function createSessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    store: new RedisSessionStore(options.redis, options.prefix),
    resave: false,
    saveUninitialized: false,
    // Each request pushes the expiry on: an operator watching a run is not logged out mid-run.
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      // Secure whenever the request came over TLS (directly, or via a proxy the app trusts).
      secure: 'auto',
      maxAge: options.maxAgeMs ?? 8 * 60 * 60 * 1000,
      path: '/',
    },
  });
}
