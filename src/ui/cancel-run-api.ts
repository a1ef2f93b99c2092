/**
 * Cancelling a campaign's run from the campaign page (operators only; the
 * read-only rule and the CSRF guard in front of /api apply):
 *
 *   POST /api/campaigns/:campaign/cancel   removes its letter jobs not yet started; other campaigns untouched
 */

import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import { cancelCampaignRun, describeCancel } from '../schedule/cancel-run.js';
import type { LetterJobData } from '../schedule/queues.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { apiHandler } from './api-handler.js';
import type { ApiCancelResult } from './api-types.js';
import { NotFoundError } from './http-errors.js';
import { campaignParams, parseRequest } from './request-params.js';

export function cancelRunApi(options: { letters: Queue<LetterJobData>; store: CampaignStore; log: Logger }): Router {
  const router = express.Router();
  router.post(
    '/campaigns/:campaign/cancel',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      if (!(await options.store.version(campaign))) throw new NotFoundError(`campaign ${campaign} not found`);
      const result = await cancelCampaignRun(options.letters, options.store, campaign);
      const user = req.session.user?.name ?? 'unknown';
      options.log.info(
        { event: EVENT.uiCancelRun, user, campaign, removed: result.removed, running: result.running.length },
        'ui.cancel-run',
      );
      res.json({ ...result, message: describeCancel(campaign, result) } satisfies ApiCancelResult);
    }),
  );
  return router;
}
