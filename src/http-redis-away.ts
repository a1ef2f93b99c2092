/**
 * What the console and the register server answer while Redis is away: 503
 * with Retry-After, never 500, and never a request left hanging. A gate in
 * front answers at once while the connection is down; an error handler
 * answers the same for a request that was already under way when it went.
 * Their connection (connectServer) reconnects by itself, so the next request
 * after Redis is back is answered as usual.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { REDIS_AWAY_RETRY_AFTER_S } from './redis.js';

/** Sends the door's own 503 body (a page, or JSON) with Retry-After and no caching. */
export type RedisAwayAnswer = (req: Request, res: Response) => void;

export function answerRedisAway(req: Request, res: Response, answer: RedisAwayAnswer): void {
  if (res.headersSent) return;
  res.status(503).setHeader('Retry-After', String(REDIS_AWAY_RETRY_AFTER_S));
  res.setHeader('Cache-Control', 'no-store');
  answer(req, res);
}

/**
 * Answers 503 while the connection is not ready, for the requests `applies`
 * to (default all), before any of them reaches Redis.
 */
export function redisAwayGate(redis: Redis, answer: RedisAwayAnswer, applies: (req: Request) => boolean = () => true): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (redis.status !== 'ready' && applies(req)) return answerRedisAway(req, res, answer);
    next();
  };
}
