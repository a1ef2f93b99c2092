/**
 * The operators' console: one express app with
 *   /login, /logout            sign in and out (failed sign-ins rate-limited)
 *   /                          the campaign page
 *   /api/...                   its JSON API (see campaign-api.ts)
 *   /queues                    bull-board for the letters and campaigns queues
 *   /registrations             monitoring officers' registrations (see registrations-page.ts)
 * and, in front of everything but /login: a session, the read-only rule and
 * the CSRF guard (see auth.ts and csrf.ts).
 */

import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.js';
import { EVENT } from '../domain/index.js';
import { listen } from '../http-listen.js';
import { answerRedisAway, type RedisAwayAnswer, redisAwayGate } from '../http-redis-away.js';
import { createOperations, type OpenOperations } from '../operations/context.js';
import { isRedisAway } from '../redis.js';
import { authRoutes, type LoginLimit, requireLogin, requireOperatorForChanges, wantsJson } from './auth.js';
import { BOARD_PATH, queueBoards } from './bull-board.js';
import { campaignApi } from './campaign-api.js';
import { campaignPage, campaignPageAssets } from './campaign-page.js';
import { CampaignStatus } from './campaign-status.js';
import { cancelRunApi } from './cancel-run-api.js';
import { csrfGuard } from './csrf.js';
import { LetterPreview } from './letter-preview.js';
import { REGISTRATIONS_PATH, registrationsPage } from './registrations-page.js';
import { relayApi } from './relay-api.js';
import { retryDeliveriesApi } from './retry-deliveries-api.js';
import { scheduleApi } from './schedule-api.js';
import { baseHeaders, boardPolicy } from './security-headers.js';
import { createSessionMiddleware } from './session.js';
import { Credentials, type UiUser } from './users.js';

export interface UiAppOptions {
  /** SEND_ATTEMPTS and BACKOFF_MS for re-added jobs; UI_SESSION_SECRET. */
  config: Config;
  /** A server's connection (connectServer): it reconnects by itself, and fails fast while Redis is away. */
  redis: Redis;
  /** QUEUE_PREFIX of the installation to show. */
  prefix: string;
  /** The campaign `/` shows when the URL names none. Default: the one being sent, else the latest with deliveries. */
  campaignId?: string;
  users: readonly UiUser[];
  log: Logger;
  /** Failed sign-ins allowed per address. Default 10 per 15 minutes. */
  loginLimit?: LoginLimit;
  /** How often the campaign page polls. Default 2000 ms. */
  pollMs?: number;
  /** Where operators' changes are logged (`delivery.reset`, `campaign.cancelled`, ...). Default: a logger on DELIVERY_LOG. */
  deliveryLog?: Logger;
}

/** The console's express app, and the operations it made (`close` them with the app). */
export function createUiApp(options: UiAppOptions): { app: express.Express; ops: OpenOperations } {
  const { log } = options;
  const ops = createOperations({
    redis: options.redis,
    config: { ...options.config, QUEUE_PREFIX: options.prefix },
    deliveryLog: options.deliveryLog,
  });
  const { letters, campaigns } = ops;
  const status = new CampaignStatus(ops);

  const app = express();
  app.disable('x-powered-by');
  if (options.config.UI_TRUST_PROXY) {
    const hops = Number(options.config.UI_TRUST_PROXY);
    app.set('trust proxy', Number.isInteger(hops) ? hops : options.config.UI_TRUST_PROXY);
  }
  app.use(...baseHeaders());
  app.use(campaignPageAssets());
  // Everything past the static assets needs Redis (the session first): while it is away, 503 at once.
  app.use(redisAwayGate(options.redis, redisAway));
  const credentials = new Credentials(options.users);
  const sessionLimits = { idleMs: options.config.UI_SESSION_IDLE_MS, lifetimeMs: options.config.UI_SESSION_LIFETIME_MS };
  app.use(
    createSessionMiddleware({
      store: ops.storage.sessions(),
      secret: options.config.UI_SESSION_SECRET,
      idleMs: sessionLimits.idleMs,
    }),
  );
  app.use(authRoutes({ credentials, log, loginLimit: options.loginLimit, redis: options.redis, prefix: options.prefix }));

  // Everything below needs a session; changes need the operator role and the CSRF token.
  app.use(requireLogin(credentials, sessionLimits, log));
  app.use(requireOperatorForChanges(log));
  // The registrations page posts plain forms: their CSRF field must be read before the guard looks for it.
  app.use(REGISTRATIONS_PATH, express.urlencoded({ extended: false, limit: '4kb' }));
  app.use(csrfGuard());

  // Our parser before bull-board's own, so a bad body to its API is refused here: one log line, as everywhere.
  app.use(
    BOARD_PATH,
    boardPolicy(),
    express.json({ limit: '16kb' }),
    queueBoards([letters, campaigns], (req) => req.session.user?.role),
  );
  app.use('/api', scheduleApi({ ops, log }));
  app.use('/api', cancelRunApi({ ops, log }));
  app.use('/api', relayApi({ ops, log }));
  app.use('/api', retryDeliveriesApi({ ops, log }));
  app.use('/api', campaignApi({ ops, status, preview: new LetterPreview(ops.storage.campaigns), log }));
  app.use(registrationsPage({ ops }));
  app.use(campaignPage({ status, campaignId: options.campaignId, prefix: options.prefix, pollMs: options.pollMs }));

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const refused = clientError(error);
    if (refused) {
      // A body too big or malformed (express's parsers): the client's fault, one short line, no stack.
      log.warn(
        { event: EVENT.uiBadRequest, status: refused.status, reason: refused.type, method: req.method, path: req.path.slice(0, 200) },
        'ui.bad-request',
      );
      if (res.headersSent) return;
      res
        .status(refused.status)
        .type('text/plain')
        .send(refused.status === 413 ? 'Request too large.' : 'Bad request.');
      return;
    }
    if (isRedisAway(options.redis, error)) return answerRedisAway(req, res, redisAway);
    log.error({ event: EVENT.uiError, err: error, path: req.originalUrl }, 'ui.error');
    if (res.headersSent) return;
    res.status(500).type('text/plain').send('The ui could not answer; see its log.');
  });
  return { app, ops };
}

/** The console's 503 while Redis is away: JSON for the page's API calls, a line of text for a person. */
const redisAway: RedisAwayAnswer = (req, res) => {
  const message = 'Redis is not answering; the console reconnects by itself. Try again in a few seconds.';
  if (wantsJson(req)) res.json({ error: 'ServiceUnavailable', message });
  else res.type('text/plain').send(message);
};

/** What express's body parsers (http-errors) throw for a body the client got wrong. */
const CLIENT_ERROR = z.object({
  status: z.number().int().min(400).max(499),
  expose: z.literal(true),
  type: z.string().default('bad-request'),
});

function clientError(error: unknown): z.infer<typeof CLIENT_ERROR> | null {
  const parsed = CLIENT_ERROR.safeParse(error);
  return parsed.success ? parsed.data : null;
}

export interface StartUiOptions extends UiAppOptions {
  /** Interface to listen on. Default config.UI_HOST. */
  host?: string;
  /** Port; 0 picks a free one. Default config.UI_PORT. */
  port?: number;
}

export interface RunningUi {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

export async function startUi(options: StartUiOptions): Promise<RunningUi> {
  const { app, ops } = createUiApp(options);
  const host = options.host ?? options.config.UI_HOST;
  const server = await listen(app, host, options.port ?? options.config.UI_PORT).catch(async (error: unknown) => {
    await ops.close();
    throw error;
  });
  const url = server.url;
  options.log.info({ event: EVENT.uiListening, url, prefix: options.prefix }, `ui listening on ${url}`);
  return {
    url,
    async close() {
      await server.close();
      await ops.close();
    },
  };
}
