/**
 * The relay's circuit breaker on the campaign page:
 *
 *   GET  /api/relay          open or closed; while open: since when, the relay's last answer, the next try
 *   POST /api/relay/try-now  operators only (the read-only rule and the CSRF guard apply): close it now,
 *                            resume the letters queue it paused, bring back the jobs it deferred
 */

import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LetterJobData } from '../schedule/queues.js';
import { describeOpenBreaker } from '../send/breaker-report.js';
import { CircuitBreaker, readBreaker } from '../send/circuit-breaker.js';
import { apiHandler } from './api-handler.js';
import type { ApiRelay, ApiTryRelay } from './api-types.js';

export interface RelayApiOptions {
  redis: Redis;
  prefix: string;
  letters: Queue<LetterJobData>;
  /** BREAKER_THRESHOLD and BREAKER_COOLDOWN_MS: the breaker the ui closes is the workers' one. */
  threshold: number;
  cooldownMs: number;
  log: Logger;
}

export function relayApi(options: RelayApiOptions): Router {
  const router = express.Router();
  router.get(
    '/relay',
    apiHandler(options.log, async (_req, res) => {
      const [breaker, queuePaused] = await Promise.all([readBreaker(options.redis, options.prefix), options.letters.isPaused()]);
      res.json({ ...breaker, queuePaused, description: describeOpenBreaker(breaker) } satisfies ApiRelay);
    }),
  );

  router.post(
    '/relay/try-now',
    apiHandler(options.log, async (req, res) => {
      const user = req.session.user?.name ?? 'unknown';
      const breaker = new CircuitBreaker(options.redis, {
        prefix: options.prefix,
        threshold: options.threshold,
        cooldownMs: options.cooldownMs,
        who: `operator ${user} (ui)`,
        queue: options.letters,
        log: options.log,
      });
      const { closed, promoted } = await breaker.tryNow();
      res.json({
        closed,
        promoted,
        message: closed
          ? `the circuit breaker is closed: the workers try the relay now (${promoted} deferred jobs brought back)`
          : 'the circuit breaker was not open; nothing to do',
      } satisfies ApiTryRelay);
    }),
  );
  return router;
}
