/**
 * The campaign page's JSON API (and the letter view). Mounted behind the
 * login, the read-only rule and the CSRF guard; every route checks its
 * parameters (a bad id is a 400, an unknown one a 404), calls one read or one
 * operation under the signed-in operator's name, and answers.
 *
 *   GET  /api/campaigns
 *   GET  /api/campaigns/:campaign/summary
 *   GET  /api/campaigns/:campaign/authorities?status=&q=&offset=&limit=
 *   GET  /api/campaigns/:campaign/authorities/:authority
 *   GET  /api/campaigns/:campaign/authorities/:authority/letters/:recipient[?format=text]
 *   POST /api/campaigns/:campaign/authorities/:authority/retry
 *   POST /api/campaigns/:campaign/authorities/:authority/deliveries/:recipient/retry
 *   POST /api/campaigns/:campaign/authorities/:authority/deliveries/:recipient/readdress  {"email": "...", "reason": "..."}
 *        (reason: needed for an address at none of the authority's domains; 400 naming `reason` without it)
 */

import express, { type Request, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OperationsContext } from '../operations/context.js';
import { readdressDelivery } from '../operations/readdress.js';
import { retryDelivery, retryJob } from '../operations/retry.js';
import { type ApiRoute, apiHandler } from './api-handler.js';
import type { ApiAuthorityDetail, ApiAuthorityPage, ApiError, ApiReaddressOutcome, ApiRetryOutcome, ApiSummary } from './api-types.js';
import type { CampaignStatus } from './campaign-status.js';
import { NotFoundError } from './http-errors.js';
import type { LetterPreview } from './letter-preview.js';
import { authoritiesQuery, authorityParams, campaignParams, deliveryParams, letterQuery, parseRequest } from './request-params.js';
import { letterPolicy } from './security-headers.js';

export interface CampaignApiOptions {
  ops: OperationsContext;
  status: CampaignStatus;
  preview: LetterPreview;
  log: Logger;
}

const readdressBody = z.object({
  email: z.email('must be one email address').max(254),
  reason: z
    .string()
    .trim()
    .max(500)
    .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must be one line')
    .optional(),
});

/** The signed-in operator: the read-only rule in front lets nobody else reach a change. */
export function operatorOf(req: Request): string {
  return req.session.user?.name ?? 'unknown';
}

export function campaignApi(options: CampaignApiOptions): Router {
  const router = express.Router();
  const { ops, status, log } = options;
  const h = (fn: ApiRoute) => apiHandler(log, fn);

  const storedAuthority = async (campaign: string, authority: string) => {
    const stored = await ops.storage.campaigns.authority(campaign, authority);
    if (!stored) throw new NotFoundError(`authority ${authority} in campaign ${campaign} not found`);
    return stored;
  };

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
      const outcome = await retryJob(ops, campaign, await storedAuthority(campaign, authority), operatorOf(req));
      res.json(outcome satisfies ApiRetryOutcome);
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/deliveries/:recipient/retry',
    h(async (req, res) => {
      const { campaign, authority, recipient } = parseRequest(deliveryParams, req.params);
      const outcome = await retryDelivery(ops, campaign, await storedAuthority(campaign, authority), recipient, operatorOf(req));
      res.json(outcome satisfies ApiRetryOutcome);
    }),
  );

  router.post(
    '/campaigns/:campaign/authorities/:authority/deliveries/:recipient/readdress',
    express.json({ limit: '4kb' }),
    h(async (req, res) => {
      const { campaign, authority, recipient } = parseRequest(deliveryParams, req.params);
      const { email, reason } = parseRequest(readdressBody, req.body ?? {});
      const done = await readdressDelivery(ops, {
        campaignId: campaign,
        authorityId: authority,
        recipient,
        email,
        reason,
        by: operatorOf(req),
      });
      res.json({
        jobId: done.job.jobId,
        action: 'readdressed',
        from: done.from,
        email: done.record.email,
        messageId: done.record.messageId,
        message: `${recipient} readdressed from ${done.from} to ${done.record.email}; it is sent once, as ${done.record.messageId}`,
      } satisfies ApiReaddressOutcome);
    }),
  );

  router.use((_req, res) => void res.status(404).json({ error: 'NotFound', message: 'route not found' } satisfies ApiError));
  return router;
}
