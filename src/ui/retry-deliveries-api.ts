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

import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { OperationsContext } from '../operations/context.js';
import { applyRetry, describePlan, describeResult, planRetry, type RetrySelection } from '../operations/retry.js';
import { apiHandler } from './api-handler.js';
import type { ApiBulkRetryPlan, ApiBulkRetryResult } from './api-types.js';
import { operatorOf } from './campaign-api.js';
import { ConflictError } from './http-errors.js';
import { campaignParams, parseRequest, retryConfirmQuery, retrySelectionQuery } from './request-params.js';

export function retryDeliveriesApi(options: { ops: OperationsContext; log: Logger }): Router {
  const router = express.Router();
  const { ops } = options;
  const selection = (q: { status?: RetrySelection['status']; authority?: string; reply?: string }): RetrySelection => ({
    status: q.status,
    authorityId: q.authority,
    reply: q.reply,
  });

  router.get(
    '/campaigns/:campaign/retry-plan',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const plan = await planRetry(ops, campaign, selection(parseRequest(retrySelectionQuery, req.query)));
      res.json({
        deliveries: plan.deliveries.length,
        authorities: plan.authorities.length,
        byStatus: plan.byStatus,
        running: plan.running.length,
        first: plan.deliveries
          .slice(0, 10)
          .map((d) => ({ authorityId: d.authorityId, recipient: d.recipient, email: d.email, status: d.status, response: d.response })),
        lines: describePlan(plan),
      } satisfies ApiBulkRetryPlan);
    }),
  );

  router.post(
    '/campaigns/:campaign/retry',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const query = parseRequest(retryConfirmQuery, req.query);
      const plan = await planRetry(ops, campaign, selection(query));
      if (plan.deliveries.length !== query.expect) {
        throw new ConflictError(
          `the failed deliveries changed since you looked: ${plan.deliveries.length} now match, not ${query.expect}; nothing was reset, look again`,
        );
      }
      const result = await applyRetry(ops, plan, operatorOf(req));
      const lines = describeResult(result);
      res.json({ reset: result.reset, jobs: result.jobs.length, message: lines.join('; '), lines } satisfies ApiBulkRetryResult);
    }),
  );
  return router;
}
