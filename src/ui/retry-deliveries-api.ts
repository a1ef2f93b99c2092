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
import express, { type Request, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Ledger } from '../storage/ledger.js';
import type { LetterJobData, RetryPolicy } from '../schedule/queues.js';
import { applyRetry, describePlan, describeResult, planRetry, RETRY_STATUSES, type RetrySelection, type RetryStatus } from '../schedule/retry-deliveries.js';

export interface RetryDeliveriesApiOptions {
  letters: Queue<LetterJobData>;
  ledger(campaignId: string): Ledger;
  policy: RetryPolicy;
  log: Logger;
  /** Receives a `delivery.reset` line per delivery reset: the delivery log. */
  deliveryLog: Logger;
}

const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,99}(~test)?$/;
const AUTHORITY_ID = /^[a-z0-9][a-z0-9-]{0,199}$/;

class BadRequest extends Error {}

function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function selectionOf(req: Request): RetrySelection {
  const status = query(req, 'status');
  if (status !== undefined && !(RETRY_STATUSES as readonly string[]).includes(status)) throw new BadRequest(`status must be one of ${RETRY_STATUSES.join(', ')}`);
  const authorityId = query(req, 'authority');
  if (authorityId !== undefined && !AUTHORITY_ID.test(authorityId)) throw new BadRequest('bad authority');
  const reply = query(req, 'reply');
  if (reply !== undefined && reply.length > 200) throw new BadRequest('reply: at most 200 characters');
  return { status: status as RetryStatus | undefined, authorityId, reply };
}

function campaignOf(req: Request): string {
  const id = req.params.campaign;
  if (typeof id !== 'string' || !CAMPAIGN_ID.test(id)) throw new BadRequest('bad campaign');
  return id;
}

export function retryDeliveriesApi(options: RetryDeliveriesApiOptions): Router {
  const router = express.Router();
  const target = (campaignId: string) => ({ ledger: options.ledger(campaignId), letters: options.letters, campaignId });
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => {
    fn(req, res).catch((error: unknown) => {
      if (error instanceof BadRequest) return void res.status(400).json({ error: 'Bad Request', message: error.message });
      options.log.error({ event: 'ui.error', err: error, path: req.originalUrl }, 'ui.error');
      if (!res.headersSent) res.status(500).json({ error: 'Internal Server Error', message: 'the ui could not answer; see its log' });
    });
  };

  router.get(
    '/campaigns/:campaign/retry-plan',
    handle(async (req, res) => {
      const campaignId = campaignOf(req);
      const plan = await planRetry(target(campaignId), selectionOf(req));
      res.json({ deliveries: plan.deliveries.length, authorities: plan.authorities.length, byStatus: plan.byStatus, running: plan.running.length, lines: describePlan(plan) });
    }),
  );

  router.post(
    '/campaigns/:campaign/retry',
    handle(async (req, res) => {
      const campaignId = campaignOf(req);
      const expected = Number(query(req, 'expect'));
      if (!Number.isInteger(expected) || expected < 0) throw new BadRequest('expect: the number of deliveries you confirmed');
      const plan = await planRetry(target(campaignId), selectionOf(req));
      if (plan.deliveries.length !== expected) {
        return void res.status(409).json({
          error: 'Not retried',
          message: `the failed deliveries changed since you looked: ${plan.deliveries.length} now match, not ${expected}; nothing was reset, look again`,
        });
      }
      const by = req.session.user?.name ?? 'unknown';
      const result = await applyRetry({ ...target(campaignId), policy: options.policy, deliveryLog: options.deliveryLog }, plan, by);
      const lines = describeResult(result);
      options.log.info({ event: 'ui.retry-deliveries', user: by, campaign: campaignId, selection: plan.selection, reset: result.reset }, 'ui.retry-deliveries');
      res.json({ reset: result.reset, jobs: result.jobs.length, message: lines.join('; '), lines });
    }),
  );
  return router;
}
