/**
 * The campaign page's bulk recovery (operators only; the read-only rule and
 * the CSRF guard in front of /api apply):
 *
 *   GET  /api/campaigns/:campaign/retry-plan?status=&authority=&reply=
 *        what a retry would reset, in the operator's words
 *   POST /api/campaigns/:campaign/retry?status=&authority=&reply=&expect=N
 *        does it, only if the plan still counts N deliveries (the number the
 *        operator confirmed): otherwise 409, and nothing is reset
 */

import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import type { LetterJobData, RetryPolicy } from '../schedule/queues.js';
import { applyRetry, describePlan, describeResult, planRetry, type RetrySelection } from '../schedule/retry-deliveries.js';
import type { Ledger } from '../storage/ledger.js';
import { apiHandler } from './api-handler.js';
import type { ApiBulkRetryPlan, ApiBulkRetryResult } from './api-types.js';
import { ConflictError } from './http-errors.js';
import { campaignParams, parseRequest, retryConfirmQuery, retrySelectionQuery } from './request-params.js';

export interface RetryDeliveriesApiOptions {
  letters: Queue<LetterJobData>;
  ledger(campaignId: string): Ledger;
  policy: RetryPolicy;
  log: Logger;
  /** Receives a `delivery.reset` line per delivery reset: the delivery log. */
  deliveryLog: Logger;
}

export function retryDeliveriesApi(options: RetryDeliveriesApiOptions): Router {
  const router = express.Router();
  const target = (campaignId: string) => ({ ledger: options.ledger(campaignId), letters: options.letters, campaignId });
  const selection = (q: { status?: RetrySelection['status']; authority?: string; reply?: string }): RetrySelection => ({
    status: q.status,
    authorityId: q.authority,
    reply: q.reply,
  });

  router.get(
    '/campaigns/:campaign/retry-plan',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const plan = await planRetry(target(campaign), selection(parseRequest(retrySelectionQuery, req.query)));
      res.json({
        deliveries: plan.deliveries.length,
        authorities: plan.authorities.length,
        byStatus: plan.byStatus,
        running: plan.running.length,
        lines: describePlan(plan),
      } satisfies ApiBulkRetryPlan);
    }),
  );

  router.post(
    '/campaigns/:campaign/retry',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const query = parseRequest(retryConfirmQuery, req.query);
      const plan = await planRetry(target(campaign), selection(query));
      if (plan.deliveries.length !== query.expect) {
        throw new ConflictError(
          `the failed deliveries changed since you looked: ${plan.deliveries.length} now match, not ${query.expect}; nothing was reset, look again`,
        );
      }
      const by = req.session.user?.name ?? 'unknown';
      const result = await applyRetry({ ...target(campaign), policy: options.policy, deliveryLog: options.deliveryLog }, plan, by);
      const lines = describeResult(result);
      options.log.info(
        { event: EVENT.uiRetryDeliveries, user: by, campaign, selection: plan.selection, reset: result.reset },
        'ui.retry-deliveries',
      );
      res.json({ reset: result.reset, jobs: result.jobs.length, message: lines.join('; '), lines } satisfies ApiBulkRetryResult);
    }),
  );
  return router;
}
