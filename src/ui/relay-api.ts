/**
 * The relay's circuit breaker on the campaign page:
 *
 *   GET  /api/relay          open or closed; while open: since when, the relay's last answer, the next try
 *   POST /api/relay/try-now  operators only (the read-only rule and the CSRF guard apply): close it now,
 *                            resume the letters queue it paused, bring back the jobs it deferred
 */

import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { describeOpenBreaker } from '../domain/index.js';
import type { OperationsContext } from '../operations/context.js';
import { relayState, tryRelayNow } from '../operations/relay.js';
import { apiHandler } from './api-handler.js';
import type { ApiRelay, ApiTryRelay } from './api-types.js';
import { operatorOf } from './campaign-api.js';

export function relayApi(options: { ops: OperationsContext; log: Logger }): Router {
  const router = express.Router();
  const { ops } = options;
  router.get(
    '/relay',
    apiHandler(options.log, async (_req, res) => {
      const [breaker, queuePaused] = await Promise.all([relayState(ops), ops.letters.isPaused()]);
      res.json({ ...breaker, queuePaused, description: describeOpenBreaker(breaker) } satisfies ApiRelay);
    }),
  );

  router.post(
    '/relay/try-now',
    apiHandler(options.log, async (req, res) => {
      const { closed, promoted } = await tryRelayNow(ops, operatorOf(req));
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
