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
 *   POST /api/campaigns/:campaign/authorities/:authority/deliveries/:recipient/readdress  {"email": "..."}
 */

import type { Queue } from 'bullmq';
import express, { type Request, type Router } from 'express';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import type { LetterJobData, RetryPolicy } from '../schedule/queues.js';
import { type ApiRoute, apiHandler } from './api-handler.js';
import type { ApiAuthorityDetail, ApiAuthorityPage, ApiError, ApiSummary } from './api-types.js';
import type { CampaignStatus } from './campaign-status.js';
import { readdress } from './handlers/readdress-delivery.js';
import { retryDelivery } from './handlers/retry-delivery.js';
import { type RetryContext, retryJob } from './handlers/retry-job.js';
import { NotFoundError } from './http-errors.js';
import type { LetterPreview } from './letter-preview.js';
import { authoritiesQuery, authorityParams, campaignParams, deliveryParams, letterQuery, parseRequest } from './request-params.js';
import { letterPolicy } from './security-headers.js';

export interface CampaignApiOptions {
  status: CampaignStatus;
  letters: Queue<LetterJobData>;
  preview: LetterPreview;
  policy: RetryPolicy;
  /** RECIPIENT_ALLOWLIST: a readdress outside it is refused. */
  allowlist: readonly string[] | undefined;
  log: Logger;
}

export function campaignApi(options: CampaignApiOptions): Router {
  const router = express.Router();
  const { status, log } = options;
  const h = (fn: ApiRoute) => apiHandler(log, fn);

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
      const { campaign } = parseRequest(campaignParams, req.params);
      const summary = await status.summary(campaign);
      if (!summary) throw new NotFoundError(`campaign ${campaign} not found`);
      res.json(summary satisfies ApiSummary);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities',
    h(async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const query = parseRequest(authoritiesQuery, req.query);
      const page = await status.page(campaign, { status: query.status, search: query.q, offset: query.offset, limit: query.limit });
      if (!page) throw new NotFoundError(`campaign ${campaign} not found`);
      res.json(page satisfies ApiAuthorityPage);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities/:authority',
    h(async (req, res) => {
      const { campaign, authority } = parseRequest(authorityParams, req.params);
      const detail = await status.authority(campaign, authority);
      if (!detail) throw new NotFoundError(`authority ${authority} in campaign ${campaign} not found`);
      res.json(detail satisfies ApiAuthorityDetail);
    }),
  );

  router.get(
    '/campaigns/:campaign/authorities/:authority/letters/:recipient',
    letterPolicy(),
    h(async (req, res) => {
      const { campaign, authority, recipient } = parseRequest(deliveryParams, req.params);
      const { format } = parseRequest(letterQuery, req.query);
      const letter = await options.preview.letter(campaign, authority, recipient);
      if (!letter) throw new NotFoundError(`letter ${authority}/${recipient} in campaign ${campaign} not found`);
      if (format === 'text') {
        res.type('text/plain; charset=utf-8').send(`Subject: ${letter.subject}\n\n${letter.text}\n`);
      } else {
        res.type('text/html; charset=utf-8').send(letter.html);
      }
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/retry',
    h(async (req, res) => {
      const { campaign, authority } = parseRequest(authorityParams, req.params);
      const stored = await status.storedAuthority(campaign, authority);
      if (!stored) throw new NotFoundError(`authority ${authority} in campaign ${campaign} not found`);
      const outcome = await retryJob(retryContext(req, campaign), stored);
      log.info({ event: EVENT.uiRetryJob, user: req.session.user?.name, campaign, authorityId: authority, ...outcome }, 'ui.retry-job');
      res.json(outcome);
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/deliveries/:recipient/retry',
    h(async (req, res) => {
      const { campaign, authority, recipient } = parseRequest(deliveryParams, req.params);
      const stored = await status.storedAuthority(campaign, authority);
      if (!stored) throw new NotFoundError(`authority ${authority} in campaign ${campaign} not found`);
      const outcome = await retryDelivery(retryContext(req, campaign), stored, recipient);
      log.info(
        { event: EVENT.uiRetryDelivery, user: req.session.user?.name, campaign, authorityId: authority, recipient, ...outcome },
        'ui.retry-delivery',
      );
      res.json(outcome);
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/deliveries/:recipient/readdress',
    express.json({ limit: '4kb' }),
    h(async (req, res) => {
      const { campaign, authority, recipient } = parseRequest(deliveryParams, req.params);
      const outcome = await readdress(retryContext(req, campaign), authority, recipient, req.body, options.allowlist);
      log.info(
        { event: EVENT.uiReaddress, user: req.session.user?.name, campaign, authorityId: authority, recipient, ...outcome },
        EVENT.uiReaddress,
      );
      res.json(outcome);
    }),
  );

  router.use((_req, res) => void res.status(404).json({ error: 'NotFound', message: 'route not found' } satisfies ApiError));
  return router;
}
