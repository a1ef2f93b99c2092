/**
 * Wraps a JSON API route: named errors (http-errors.ts, and src/schedule's
 * ActionRefused) become JSON an operator can read; Redis going away is the app's 503; anything
 * unexpected is logged and is a 500.
 */

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import { isRedisConnectionError } from '../redis.js';
import type { ApiError } from './api-types.js';
import { asHttpError, HttpError } from './http-errors.js';

export type ApiRoute = (req: Request, res: Response) => Promise<void>;

export function apiHandler(log: Logger, fn: ApiRoute) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((thrown: unknown) => {
      // Redis went away under the request: the app's error handler answers 503, not 500.
      if (isRedisConnectionError(thrown)) return next(thrown);
      const error = asHttpError(thrown);
      if (error instanceof HttpError)
        return void res.status(error.status).json({ error: error.name, message: error.message } satisfies ApiError);
      log.error({ event: EVENT.uiError, err: error, path: req.originalUrl }, 'ui.error');
      if (res.headersSent) return next(error);
      res.status(500).json({ error: 'Internal Server Error', message: 'the ui could not answer; see its log' } satisfies ApiError);
    });
  };
}
