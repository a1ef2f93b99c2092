/**
 * What stands around the sends of a letters worker, built from config: the
 * relay's rate limit (before each send) and the circuit breaker (after each
 * job), and the one decision the worker needs from them: "try this job again
 * later without spending one of its attempts?".
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AuthorityResult } from '../domain/index.js';
import type { Storage } from '../storage/storage.js';
import { CircuitBreaker, type PausableQueue, type SendVerdict } from './circuit-breaker.js';
import { RateLimiter } from './rate-limiter.js';

export interface SendGuardsOptions {
  config: Pick<Config, 'RATE_LIMIT_PER_SECOND' | 'BREAKER_THRESHOLD' | 'BREAKER_COOLDOWN_MS'>;
  /** Where the breaker's and the rate limit's state are kept. */
  storage: Storage;
  /** The letters queue: the breaker pauses and resumes it. */
  queue: PausableQueue;
  log: Logger;
  /** This worker process's id, for the breaker's log. */
  who: string;
}

export interface Deferral {
  /** How long to wait before the job runs again. */
  delayMs: number;
  reason: 'breaker-open' | 'held-by-other';
}

export interface SendGuards {
  /** For DeliveryContext.throttle; undefined when RATE_LIMIT_PER_SECOND is 0. */
  throttle?: RateLimiter;
  breaker?: CircuitBreaker;
  /** Before a job sends anything: set while the breaker is open. */
  beforeJob(jobId: string): Promise<Deferral | undefined>;
  /** After a job: feeds the breaker, then says whether its retry should wait without spending an attempt. */
  afterJob(jobId: string, result: AuthorityResult): Promise<Deferral | undefined>;
  close(): void;
}

/** Spreads jobs deferred together so they do not all come back in the same millisecond. */
function jitter(ms: number): number {
  return Math.round(ms + 250 + Math.random() * Math.min(2_000, ms / 2 + 250));
}

export function createSendGuards(options: SendGuardsOptions): SendGuards {
  const { config } = options;
  const throttle = config.RATE_LIMIT_PER_SECOND > 0 ? new RateLimiter(options.storage.rateLimit, config.RATE_LIMIT_PER_SECOND) : undefined;
  const breaker =
    config.BREAKER_THRESHOLD > 0
      ? new CircuitBreaker({
          store: options.storage.breaker,
          threshold: config.BREAKER_THRESHOLD,
          cooldownMs: config.BREAKER_COOLDOWN_MS,
          who: options.who,
          queue: options.queue,
          log: options.log,
        })
      : undefined;
  breaker?.start();

  const breakerDeferral = async (jobId: string): Promise<Deferral | undefined> => {
    if (!breaker || breaker.openForMs() === 0) return undefined;
    const open = await breaker.confirmOpenForMs();
    if (open === 0) return undefined;
    await breaker.noteDeferred(jobId);
    return { delayMs: jitter(open), reason: 'breaker-open' };
  };

  return {
    throttle,
    breaker,
    beforeJob: breakerDeferral,
    async afterJob(jobId, result) {
      if (breaker) {
        const tried = result.results.filter((r) => r.attempted);
        const verdicts: SendVerdict[] = tried.map((r) => (r.outcome === 'temporary-failure' ? 'transient' : 'ok'));
        const lastFailure = tried.filter((r) => r.outcome === 'temporary-failure').at(-1);
        await breaker.record(verdicts, lastFailure?.response);
      }
      if (!result.retryable) return undefined;
      // The relay is down: wait out the cool-down instead of burning attempts on it.
      const open = await breakerDeferral(jobId);
      if (open) return open;
      // Another worker is sending to these recipients right now: look again when its claim ends.
      if (result.retryAfterMs !== undefined) return { delayMs: jitter(result.retryAfterMs), reason: 'held-by-other' };
      return undefined;
    },
    close() {
      breaker?.stop();
    },
  };
}
