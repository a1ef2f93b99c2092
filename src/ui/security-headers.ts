/**
 * Response headers (helmet): a strict Content Security Policy with a nonce
 * per response for our pages, a looser one for bull-board's bundled client,
 * and a sandbox for letters, which are emails and never run script here.
 */
import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

export function nonceOf(res: Response): string {
  return String(res.locals.cspNonce);
}

/** Everything but the CSP, for every response; and a fresh nonce in res.locals. */
export function baseHeaders(): RequestHandler[] {
  return [
    (_req, res, next) => {
      res.locals.cspNonce = randomBytes(16).toString('base64');
      // Nothing the console answers is to be cached (live figures, names, addresses);
      // static assets set their own Cache-Control over this.
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    helmet({ contentSecurityPolicy: false }),
  ];
}

/** Our own pages: scripts and styles only with this response's nonce. */
export function pagePolicy(): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: [(_req, res) => `'nonce-${nonceOf(res as Response)}'`],
      styleSrc: ["'self'", (_req, res) => `'nonce-${nonceOf(res as Response)}'`],
      imgSrc: ["'self'", 'data:'],
      frameSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  });
}

/** bull-board's client: its own scripts, inline styles, and Google Fonts (which it falls back from if blocked). */
export function boardPolicy(): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
      fontSrc: ["'self'", 'data:', 'https://fonts.gstatic.com'],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      // bull-board's page sets <base href="/queues/">; nothing injected may point it elsewhere.
      baseUri: ["'self'"],
      objectSrc: ["'none'"],
    },
  });
}

/**
 * A letter as sent: HTML email from our own templates, shown in a sandboxed
 * iframe. The sandbox also holds when the URL is opened on its own. No remote
 * images: a letter viewed here must not tell a third party that it was.
 */
export function letterPolicy(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
    );
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    next();
  };
}
