/**
 * The campaign's annual schedule on the campaign page:
 *
 *   GET /api/campaigns/:campaign/schedule   { scheduled, cron, next, nextText }
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { formatFireTime, scheduledRun } from '../schedule/annual-scheduler.js';
import type { FanOutJobData } from '../schedule/queues.js';

const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,99}(~test)?$/;

export function scheduleApi(options: { campaigns: Queue<FanOutJobData>; log: Logger }): Router {
  const router = express.Router();
  router.get('/campaigns/:campaign/schedule', (req: Request, res: Response) => {
    const campaignId = req.params.campaign;
    if (typeof campaignId !== 'string' || !CAMPAIGN_ID.test(campaignId)) return void res.status(400).json({ error: 'Bad Request', message: 'bad campaign' });
    scheduledRun(options.campaigns, campaignId).then(
      (run) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(run ? { scheduled: true, cron: run.cron, next: run.next ?? null, nextText: run.next ? formatFireTime(run.next) : null } : { scheduled: false });
      },
      (error: unknown) => {
        options.log.error({ event: 'ui.error', err: error, path: req.originalUrl }, 'ui.error');
        res.status(500).json({ error: 'Internal Server Error', message: 'the ui could not answer; see its log' });
      },
    );
  });
  return router;
}
