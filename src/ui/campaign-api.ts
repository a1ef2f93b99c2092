/**
 * The campaign page's JSON API (and the letter view). Mounted behind the
 * login, the read-only rule and the CSRF guard; every handler here checks its
 * parameters, so a bad id is a 400, an unknown one a 404.
 *
 *   GET  /api/campaigns
 *   GET  /api/campaigns/:campaign/summary
 *   GET  /api/campaigns/:campaign/authorities?status=&q=&offset=&limit=
 *   GET  /api/campaigns/:campaign/authorities/:authority
 *   GET  /api/campaigns/:campaign/authorities/:authority/letters/:recipient[?format=text]
 *   POST /api/campaigns/:campaign/authorities/:authority/retry
 *   POST /api/campaigns/:campaign/authorities/:authority/deliveries/:recipient/retry
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { RetryPolicy } from '../schedule/queues.js';
import { STATUS_FILTERS, type CampaignStatus, type StatusFilter } from './campaign-status.js';
import type { LetterPreview } from './letter-preview.js';
import { retryDelivery, retryJob, RetryRefused, type RetryContext } from './retry.js';
import { letterPolicy } from './security-headers.js';
import type { Queue } from 'bullmq';
import type { LetterJobData } from '../schedule/queues.js';

export interface CampaignApiOptions {
  status: CampaignStatus;
  letters: Queue<LetterJobData>;
  preview: LetterPreview;
  policy: RetryPolicy;
  log: Logger;
}

/** A campaign id, or a test run's "<id>~test". */
const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,99}(~test)?$/;
const AUTHORITY_ID = /^[a-z0-9][a-z0-9-]{0,199}$/;
const RECIPIENT = /^(ceo|head|mo-[1-9][0-9]{0,2})$/;
/** A page of the authority table; the browser asks for the next one. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 200;

class BadRequest extends Error {}

function param(req: Request, name: string, pattern: RegExp): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new BadRequest(`bad ${name}`);
  return value;
}

function queryString(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value : '';
}

function queryInt(req: Request, name: string, fallback: number, max: number): number {
  const raw = queryString(req, name);
  if (raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`bad ${name}`);
  return Math.min(n, max);
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Errors become JSON an operator can read; anything unexpected is logged and is a 500. */
function handle(log: Logger, fn: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((error: unknown) => {
      if (error instanceof BadRequest) return void res.status(400).json({ error: 'Bad Request', message: error.message });
      if (error instanceof RetryRefused) return void res.status(error.status).json({ error: 'Not retried', message: error.message });
      log.error({ event: 'ui.error', err: error, path: req.originalUrl }, 'ui.error');
      if (res.headersSent) return next(error);
      res.status(500).json({ error: 'Internal Server Error', message: 'the ui could not answer; see its log' });
    });
  };
}

function notFound(res: Response, what: string): void {
  res.status(404).json({ error: 'Not Found', message: `${what} not found` });
}

export function campaignApi(options: CampaignApiOptions): Router {
  const router = express.Router();
  const { status, log } = options;
  const h = (fn: Handler) => handle(log, fn);

  const retryContext = (req: Request, campaignId: string): RetryContext => ({
    letters: options.letters,
    ledger: status.ledger(campaignId),
    campaignId,
    policy: options.policy,
    user: req.session.user?.name ?? 'unknown',
  });

  router.get(
    '/campaigns',
    h(async (_req, res) => {
      res.json({ campaigns: await status.campaigns() });
    }),
  );

  router.get(
    '/campaigns/:campaign/summary',
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const summary = await status.summary(campaignId);
      if (!summary) return notFound(res, `campaign ${campaignId}`);
      res.json(summary);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities',
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const filter = queryString(req, 'status') || 'all';
      if (!(STATUS_FILTERS as readonly string[]).includes(filter)) throw new BadRequest(`status must be one of ${STATUS_FILTERS.join(', ')}`);
      const page = await status.page(campaignId, {
        status: filter as StatusFilter,
        search: queryString(req, 'q').slice(0, 200),
        offset: queryInt(req, 'offset', 0, Number.MAX_SAFE_INTEGER),
        limit: Math.max(1, queryInt(req, 'limit', DEFAULT_PAGE, MAX_PAGE)),
      });
      if (!page) return notFound(res, `campaign ${campaignId}`);
      res.json(page);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities/:authority',
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const authorityId = param(req, 'authority', AUTHORITY_ID);
      const detail = await status.authority(campaignId, authorityId);
      if (!detail) return notFound(res, `authority ${authorityId} in campaign ${campaignId}`);
      res.json(detail);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities/:authority/letters/:recipient',
    letterPolicy(),
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const authorityId = param(req, 'authority', AUTHORITY_ID);
      const recipient = param(req, 'recipient', RECIPIENT);
      const letter = await options.preview.letter(campaignId, authorityId, recipient);
      if (!letter) return notFound(res, `letter ${authorityId}/${recipient} in campaign ${campaignId}`);
      res.setHeader('Cache-Control', 'no-store');
      if (queryString(req, 'format') === 'text') {
        res.type('text/plain; charset=utf-8').send(`Subject: ${letter.subject}\n\n${letter.text}\n`);
      } else {
        res.type('text/html; charset=utf-8').send(letter.html);
      }
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/retry',
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const authorityId = param(req, 'authority', AUTHORITY_ID);
      if (!(await status.storedAuthority(campaignId, authorityId))) return notFound(res, `authority ${authorityId} in campaign ${campaignId}`);
      const outcome = await retryJob(retryContext(req, campaignId), authorityId);
      log.info({ event: 'ui.retry-job', user: req.session.user?.name, campaign: campaignId, authorityId, ...outcome }, 'ui.retry-job');
      res.json(outcome);
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/deliveries/:recipient/retry',
    h(async (req, res) => {
      const campaignId = param(req, 'campaign', CAMPAIGN_ID);
      const authorityId = param(req, 'authority', AUTHORITY_ID);
      const recipient = param(req, 'recipient', RECIPIENT);
      const outcome = await retryDelivery(retryContext(req, campaignId), authorityId, recipient);
      log.info({ event: 'ui.retry-delivery', user: req.session.user?.name, campaign: campaignId, authorityId, recipient, ...outcome }, 'ui.retry-delivery');
      res.json(outcome);
    }),
  );

  router.use((_req, res) => notFound(res, 'route'));
  return router;
}
