/**
 * Cancelling a campaign's run from the campaign page (operators only; the
 * read-only rule and the CSRF guard in front of /api apply):
 *
 *   POST /api/campaigns/:campaign/cancel   removes its letter jobs not yet started; other campaigns untouched
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { CampaignStore } from '../storage/campaign-store.js';
import { cancelCampaignRun, describeCancel } from '../schedule/cancel-run.js';
import type { LetterJobData } from '../schedule/queues.js';

const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,99}(~test)?$/;

export function cancelRunApi(options: { letters: Queue<LetterJobData>; store: CampaignStore; log: Logger }): Router {
  const router = express.Router();
  router.post('/campaigns/:campaign/cancel', (req: Request, res: Response) => {
    const campaignId = req.params.campaign;
    if (typeof campaignId !== 'string' || !CAMPAIGN_ID.test(campaignId)) return void res.status(400).json({ error: 'Bad Request', message: 'bad campaign' });
    const user = req.session.user?.name ?? 'unknown';
    (async () => {
      if (!(await options.store.version(campaignId))) return void res.status(404).json({ error: 'Not Found', message: `campaign ${campaignId} not found` });
      const result = await cancelCampaignRun(options.letters, options.store, campaignId);
      options.log.info({ event: 'ui.cancel-run', user, campaign: campaignId, removed: result.removed, running: result.running.length }, 'ui.cancel-run');
      res.json({ ...result, message: describeCancel(campaignId, result) });
    })().catch((error: unknown) => {
      options.log.error({ event: 'ui.error', err: error, path: req.originalUrl }, 'ui.error');
      if (!res.headersSent) res.status(500).json({ error: 'Internal Server Error', message: 'the ui could not answer; see its log' });
    });
  });
  return router;
}
