/**
 * The campaign's annual schedule on the campaign page:
 *
 *   GET /api/campaigns/:campaign/schedule   { scheduled, cron, next, nextText }
 */

import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { formatFireTime, scheduledRun } from '../schedule/annual-scheduler.js';
import type { FanOutJobData } from '../schedule/queues.js';
import { apiHandler } from './api-handler.js';
import type { ApiSchedule } from './api-types.js';
import { campaignParams, parseRequest } from './request-params.js';

export function scheduleApi(options: { campaigns: Queue<FanOutJobData>; log: Logger }): Router {
  const router = express.Router();
  router.get(
    '/campaigns/:campaign/schedule',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const run = await scheduledRun(options.campaigns, campaign);
      res.json(
        (run
          ? { scheduled: true, cron: run.cron, next: run.next ?? null, nextText: run.next ? formatFireTime(run.next) : null }
          : { scheduled: false }) satisfies ApiSchedule,
      );
    }),
  );
  return router;
}
