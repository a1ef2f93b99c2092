/**
 * The public register server, apart from the operators' console:
 *   GET  /                    the form: authority, name, work email
 *   POST /register            checks it; emails a signed confirmation link
 *   GET  /confirm?token=      shows what the link confirms, with one button
 *   POST /confirm             follows it once: the address becomes a registration
 *   GET  /withdraw            the form to stop receiving the letter (the letters link here)
 *   POST /withdraw            emails a signed withdrawal link, if the address is registered
 *   GET|POST /withdraw/confirm  as /confirm, for withdrawal
 *   GET  /authorities         every authority by name (the picker without a browser's help)
 * A link is followed with a POST, so a mail scanner that opens it uses nothing.
 * Every answer to a form is the same, and takes the same time, whether or not
 * the address is registered (the emails go after the answer: MailOutbox);
 * limits per client and per address, and on confirmations per client, are
 * counted in Redis. Every post must come from our own pages (its Origin, when
 * the browser sends one, is REGISTER_PUBLIC_URL's). While Redis is away the
 * posts answer 503 with Retry-After; the form itself still shows.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { EVENT, emailDomain, RegistrationError } from '../domain/index.js';
import { listen } from '../http-listen.js';
import { answerRedisAway, type RedisAwayAnswer, redisAwayGate } from '../http-redis-away.js';
import type { OperationsContext } from '../operations/context.js';
import { confirmRegistration, withdrawRegistrations } from '../operations/registrations.js';
import { isRedisAway } from '../redis.js';
import type { AuthorityChoices } from './authority-choices.js';
import type { LinkSigner } from './link-token.js';
import { MailOutbox } from './mail-outbox.js';
import type { RegisterMail } from './register-mail.js';
import {
  authorityListPage,
  checkEmailPage,
  confirmPage,
  crossSitePage,
  donePage,
  refusedPage,
  registrationFormPage,
  tooManyPage,
  unavailablePage,
  withdrawFormPage,
} from './register-pages.js';
import { checkEmail, checkRegistrationForm, FIELDS } from './registration-form.js';

function nonceOf(res: Response): string {
  return String(res.locals.cspNonce);
}

export interface RegisterLimits {
  /** Form posts one client address may make per window. Default 20. */
  perClient: number;
  /** Form posts naming one email address per window. Default 5. */
  perAddress: number;
  /** Confirmation and withdrawal links one client address may follow per window. Default 10. */
  confirmsPerClient: number;
  /** The window of all three. Default 1 hour. */
  windowMs: number;
  /** At most one email to an address in this long. Default 1 hour. */
  mailIntervalMs: number;
}

export const DEFAULT_REGISTER_LIMITS: RegisterLimits = {
  perClient: 20,
  perAddress: 5,
  confirmsPerClient: 10,
  windowMs: 60 * 60 * 1000,
  mailIntervalMs: 60 * 60 * 1000,
};

export interface RegisterAppOptions {
  /** Its operations: the registrations are kept where the console reads them (the same QUEUE_PREFIX). */
  ops: OperationsContext;
  authorities: AuthorityChoices;
  signer: LinkSigner;
  mail: RegisterMail;
  log: Logger;
  limits?: Partial<RegisterLimits>;
  /** express's "trust proxy", so the per-client limit counts real clients behind a proxy. Default unset. */
  trustProxy?: string;
  /** REGISTER_PUBLIC_URL: the only origin a form may be posted from. */
  publicUrl: string;
  /** Where emails wait to go after the answer. Default a new one (`startRegisterServer` waits for it when closing). */
  outbox?: MailOutbox;
}

export function createRegisterApp(options: RegisterAppOptions): express.Express {
  const { log, signer, mail, authorities } = options;
  const limits = { ...DEFAULT_REGISTER_LIMITS, ...options.limits };
  // The door's own mechanics (rate-limit windows, single-use links, the hourly email slot) are kept beside the registrations.
  const store = options.ops.storage.registrations;
  const redis = options.ops.storage.redis;
  const outbox = options.outbox ?? new MailOutbox();
  const ourOrigin = new URL(options.publicUrl).origin;
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const client = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) {
    const hops = Number(options.trustProxy);
    app.set('trust proxy', Number.isInteger(hops) ? hops : options.trustProxy);
  }
  // No script at all; the one inline style runs with this response's nonce.
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: [(_req, res) => `'nonce-${nonceOf(res as Response)}'`],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      // Our own forms' posts carry our Origin (under helmet's default, no-referrer, a browser sends "null"),
      // and no page's address (a confirmation link's token) leaves the site in a Referer.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // A post from another site's page (a forged form, to confirm from a victim's address) is refused before anything else.
  // A browser always sends Origin on a cross-site post; a request without one is no browser's, so no forgery.
  app.use((req, res, next) => {
    const origin = req.get('origin');
    if (req.method !== 'POST' || origin === undefined || origin === ourOrigin) return next();
    log.warn({ event: EVENT.registerCrossSite, origin: origin.slice(0, 200), path: req.path, ip: client(req) }, 'register.cross-site');
    res.status(403).send(crossSitePage(nonceOf(res)));
  });
  // Every post needs Redis: while it is away, 503 at once. The pages (GET) need none.
  const redisAway: RedisAwayAnswer = (_req, res) => void res.send(unavailablePage(nonceOf(res)));
  app.use(redisAwayGate(redis, redisAway, (req) => req.method === 'POST'));

  /** Counts the post against the client's (or its confirmations') and, once known, the address's windows; answers 429 when over. */
  const overLimit = async (req: Request, res: Response, email?: string, scope: 'client' | 'confirm' = 'client'): Promise<boolean> => {
    const within = email
      ? await store.withinLimit('address', email, limits.perAddress, limits.windowMs)
      : await store.withinLimit(scope, client(req), scope === 'confirm' ? limits.confirmsPerClient : limits.perClient, limits.windowMs);
    if (within) return false;
    log.warn(
      {
        event: EVENT.registerRateLimited,
        scope: email ? 'address' : scope,
        ...(email ? { domain: emailDomain(email) } : { ip: client(req) }),
      },
      'register.rate-limited',
    );
    res.status(429).send(tooManyPage(nonceOf(res)));
    return true;
  };

  /** Sends an email after the answer `res`; a failure is logged and frees the address's hour again. */
  const mailLater = (res: Response, email: string, send: () => Promise<void>, event: string): void => {
    outbox.post(res, async () => {
      try {
        await send();
        log.info({ event, domain: emailDomain(email) }, event);
      } catch (error) {
        await store.releaseMailSlot(email).catch(() => {});
        log.error({ event: EVENT.registerMailFailed, domain: emailDomain(email), err: error }, 'register.mail-failed');
      }
    });
  };

  /** At most one email an hour to an address. */
  const mailOnce = async (res: Response, email: string, send: () => Promise<void>, event: string): Promise<void> => {
    if (!(await store.claimMailSlot(email, limits.mailIntervalMs))) {
      log.info({ event: EVENT.registerMailHeld, domain: emailDomain(email) }, 'register.mail-held');
      return;
    }
    mailLater(res, email, send, event);
  };

  app.get('/', (_req, res) => {
    res.send(registrationFormPage(nonceOf(res), authorities.list));
  });

  app.get('/authorities', (_req, res) => {
    res.send(authorityListPage(nonceOf(res), authorities.list));
  });

  app.post('/register', form, async (req, res) => {
    if (await overLimit(req, res)) return;
    const checked = checkRegistrationForm(req.body, authorities);
    if (!checked.ok) {
      res.status(400).send(registrationFormPage(nonceOf(res), authorities.list, checked.values, checked.errors));
      return;
    }
    const { authority, name, email } = checked.input;
    if (checked.honeypot) {
      // A robot: it is told what a person is told, and nothing is sent.
      log.warn({ event: EVENT.registerHoneypot, ip: client(req) }, 'register.honeypot');
      res.send(checkEmailPage(nonceOf(res), 'register'));
      return;
    }
    if (await overLimit(req, res, email)) return;
    const token = signer.sign({ purpose: 'confirm', authorityId: authority.id, name, email });
    await mailOnce(
      res,
      email,
      () => mail.sendConfirmation(email, { name, authorityName: authority.name }, token),
      EVENT.registerConfirmationSent,
    );
    res.send(checkEmailPage(nonceOf(res), 'register'));
  });

  app.get('/withdraw', (_req, res) => {
    res.send(withdrawFormPage(nonceOf(res)));
  });

  app.post('/withdraw', form, async (req, res) => {
    if (await overLimit(req, res)) return;
    const body = req.body as Record<string, unknown> | undefined;
    const typed = body?.[FIELDS.email];
    const email = typeof typed === 'string' ? typed.trim() : '';
    const problem = checkEmail(email);
    if (problem) {
      res.status(400).send(withdrawFormPage(nonceOf(res), email, problem));
      return;
    }
    if (typeof body?.[FIELDS.honeypot] === 'string' && body[FIELDS.honeypot] !== '') {
      log.warn({ event: EVENT.registerHoneypot, ip: client(req) }, 'register.honeypot');
      res.send(checkEmailPage(nonceOf(res), 'withdraw'));
      return;
    }
    if (await overLimit(req, res, email)) return;
    // Only a registered address gets a link, but the answer is the same, after the same work, either way:
    // one Redis command decides, a token is signed, and any email goes after the answer.
    const token = signer.sign({ purpose: 'withdraw', email });
    if (await store.claimWithdrawalMail(email, limits.mailIntervalMs)) {
      mailLater(res, email, () => mail.sendWithdrawal(email, token), EVENT.registerWithdrawalSent);
    }
    res.send(checkEmailPage(nonceOf(res), 'withdraw'));
  });

  /** The token's payload for this purpose, or a refusal page already sent. */
  const readLink = (req: Request, res: Response, purpose: 'confirm' | 'withdraw', token: unknown) => {
    const checked = typeof token === 'string' && token.length <= 2000 ? signer.verify(token) : ({ ok: false, refusal: 'forged' } as const);
    if (checked.ok && checked.payload.purpose === purpose) return checked.payload;
    const refusal = checked.ok ? 'forged' : checked.refusal;
    log.warn({ event: EVENT.registerLinkRefused, refusal, purpose, ip: client(req) }, 'register.link-refused');
    res.status(refusal === 'expired' ? 410 : 400).send(refusedPage(nonceOf(res), refusal));
    return null;
  };

  app.get('/confirm', (req, res) => {
    const link = readLink(req, res, 'confirm', req.query.token);
    if (link?.purpose !== 'confirm') return;
    const authority = authorities.find(link.authorityId);
    if (!authority) return void res.status(410).send(refusedPage(nonceOf(res), 'unknown'));
    res.send(
      confirmPage(nonceOf(res), String(req.query.token), {
        purpose: 'confirm',
        authorityName: authority.name,
        name: link.name,
        email: link.email,
      }),
    );
  });

  app.post('/confirm', form, async (req, res) => {
    if (await overLimit(req, res, undefined, 'confirm')) return;
    const token = (req.body as Record<string, unknown> | undefined)?.token;
    const link = readLink(req, res, 'confirm', token);
    if (link?.purpose !== 'confirm') return;
    const authority = authorities.find(link.authorityId);
    if (!authority) return void res.status(410).send(refusedPage(nonceOf(res), 'unknown'));
    if (!(await store.useLink(link.nonce, link.expiresAt))) {
      log.warn({ event: EVENT.registerLinkRefused, refusal: 'used', purpose: 'confirm', ip: client(req) }, 'register.link-refused');
      return void res.status(410).send(refusedPage(nonceOf(res), 'used'));
    }
    const registration = await confirmRegistration(options.ops, {
      authorityId: authority.id,
      authorityName: authority.name,
      name: link.name,
      email: link.email,
      ceDomain: authority.ceDomain,
      ...(authority.headDomain ? { headDomain: authority.headDomain } : {}),
      officersOnFile: authority.officersOnFile,
      confirmedFrom: client(req),
    }).catch((error: unknown) => {
      if (error instanceof RegistrationError) return null;
      throw error;
    });
    if (!registration) {
      log.warn({ event: EVENT.registerLinkRefused, refusal: 'name', purpose: 'confirm', ip: client(req) }, 'register.link-refused');
      return void res.status(400).send(refusedPage(nonceOf(res), 'name'));
    }
    log.info(
      { event: EVENT.registerConfirmed, registration: registration.id, authorityId: authority.id, domain: emailDomain(link.email) },
      'register.confirmed',
    );
    res.send(donePage(nonceOf(res), 'confirmed'));
  });

  app.get('/withdraw/confirm', (req, res) => {
    const link = readLink(req, res, 'withdraw', req.query.token);
    if (!link) return;
    res.send(confirmPage(nonceOf(res), String(req.query.token), { purpose: 'withdraw', email: link.email }));
  });

  app.post('/withdraw/confirm', form, async (req, res) => {
    if (await overLimit(req, res, undefined, 'confirm')) return;
    const link = readLink(req, res, 'withdraw', (req.body as Record<string, unknown> | undefined)?.token);
    if (!link) return;
    if (!(await store.useLink(link.nonce, link.expiresAt))) {
      log.warn({ event: EVENT.registerLinkRefused, refusal: 'used', purpose: 'withdraw', ip: client(req) }, 'register.link-refused');
      return void res.status(410).send(refusedPage(nonceOf(res), 'used'));
    }
    const withdrawn = await withdrawRegistrations(options.ops, link.email);
    log.info(
      { event: EVENT.registerWithdrawn, registrations: withdrawn.map((r) => r.id), domain: emailDomain(link.email) },
      'register.withdrawn',
    );
    res.send(donePage(nonceOf(res), 'withdrawn'));
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    // express's body parser: a form too large or with too many fields.
    if (typeof status === 'number' && status >= 400 && status < 500)
      return void res.status(status).type('text/plain').send('The form could not be read.');
    // Redis went away under the request: 503, as the gate answers, never 500.
    if (isRedisAway(redis, error)) return answerRedisAway(req, res, redisAway);
    log.error({ event: EVENT.registerError, err: error, path: req.path }, 'register.error');
    if (!res.headersSent) res.status(500).type('text/plain').send('Something went wrong; try again later.');
  });
  return app;
}

export interface RunningRegisterServer {
  url: string;
  close(): Promise<void>;
}

export async function startRegisterServer(options: RegisterAppOptions & { host: string; port: number }): Promise<RunningRegisterServer> {
  const outbox = options.outbox ?? new MailOutbox();
  const server = await listen(createRegisterApp({ ...options, outbox }), options.host, options.port);
  const url = server.url;
  options.log.info(
    { event: EVENT.registerListening, url, prefix: options.ops.config.QUEUE_PREFIX, authorities: options.authorities.source },
    `register server listening on ${url}`,
  );
  return {
    url,
    async close() {
      await server.close();
      // The emails already promised still go.
      await outbox.idle();
    },
  };
}
