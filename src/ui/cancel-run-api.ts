/**
 * Cancelling a campaign's run from the campaign page (operators only; the
 * read-only rule and the CSRF guard in front of /api apply):
 *
 *   POST /api/campaigns/:campaign/cancel   removes its letter jobs not yet started; other campaigns untouched
 */

import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { cancelCampaignRun, describeCancel } from '../operations/cancel-run.js';
import type { OperationsContext } from '../operations/context.js';
import { apiHandler } from './api-handler.js';
import type { ApiCancelResult } from './api-types.js';
import { operatorOf } from './campaign-api.js';
import { campaignParams, parseRequest } from './request-params.js';

export function cancelRunApi(options: { ops: OperationsContext; log: Logger }): Router {
  const router = express.Router();
  router.post(
    '/campaigns/:campaign/cancel',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const result = await cancelCampaignRun(options.ops, campaign, operatorOf(req));
      res.json({
        removed: result.removed,
        running: result.running,
        finished: result.finished,
        cancelledBy: result.cancelled.by,
        cancelledAt: result.cancelled.at,
        message: describeCancel(campaign, result),
      } satisfies ApiCancelResult);
    }),
  );
  return router;
}
