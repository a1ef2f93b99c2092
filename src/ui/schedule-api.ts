/**
 * The campaign's annual schedule on the campaign page:
 *
 *   GET /api/campaigns/:campaign/schedule   { scheduled, cron, next, nextText }
 */

import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { formatFireTime } from '../domain/index.js';
import type { OperationsContext } from '../operations/context.js';
import { listSchedules } from '../operations/schedule.js';
import { apiHandler } from './api-handler.js';
import type { ApiSchedule } from './api-types.js';
import { campaignParams, parseRequest } from './request-params.js';

export function scheduleApi(options: { ops: OperationsContext; log: Logger }): Router {
  const router = express.Router();
  router.get(
    '/campaigns/:campaign/schedule',
    apiHandler(options.log, async (req, res) => {
      const { campaign } = parseRequest(campaignParams, req.params);
      const run = (await listSchedules(options.ops)).find((s) => s.campaign === campaign);
      res.json(
        (run
          ? { scheduled: true, cron: run.cron, next: run.next ?? null, nextText: run.next ? formatFireTime(run.next) : null }
          : { scheduled: false }) satisfies ApiSchedule,
      );
    }),
  );
  return router;
}
