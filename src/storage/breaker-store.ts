/**
 * The circuit breaker's state in Redis, one per installation (StorageKeys.breaker),
 * shared by every worker process; every change of state is one Lua script,
 * so two workers cannot both open it or both close it. What opening and
 * closing do to the queue is src/send/circuit-breaker.ts.
 *
 *   StorageKeys.breaker()          hash: state, failures, openedAt, openUntil, reason, lastResponse, opens, ...
 *   StorageKeys.breakerDeferred()  set: job ids deferred while it was open
 */
import type { Redis } from 'ioredis';
import type { BreakerState } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { type StorageCommands, withStorageCommands } from './scripts.js';

export type BreakerVerdict = 'ok' | 'transient';

export interface BreakerSettings {
  /** Transient failures in a row that open it (BREAKER_THRESHOLD); 0 never opens. */
  threshold: number;
  /** How long it stays open (BREAKER_COOLDOWN_MS). */
  cooldownMs: number;
}

export class BreakerStore {
  private readonly redis: Redis & StorageCommands;
  private readonly key: string;
  private readonly deferredKey: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = withStorageCommands(redis);
    const keys = new StorageKeys(prefix);
    this.key = keys.breaker();
    this.deferredKey = keys.breakerDeferred();
  }

  async read(): Promise<BreakerState> {
    const raw = await this.redis.hgetall(this.key);
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    return {
      state: raw.state === 'open' ? 'open' : 'closed',
      failures: Number(raw.failures ?? 0),
      openUntil: raw.state === 'open' ? num(raw.openUntil) : undefined,
      openedAt: num(raw.openedAt),
      reason: raw.reason,
      lastResponse: raw.lastResponse,
      opens: Number(raw.opens ?? 0),
      closedAt: num(raw.closedAt),
      closedBy: raw.closedBy,
    };
  }

  /**
   * Adds one job's send outcomes, in order, to the run of transient failures.
   * `opened` when they complete a run of `threshold`; otherwise the state it
   * is in. `leftMs`: how long it stays open.
   */
  async record(
    settings: BreakerSettings,
    who: string,
    lastResponse: string,
    verdicts: readonly BreakerVerdict[],
  ): Promise<{ state: 'opened' | 'open' | 'closed'; failures: number; leftMs: number }> {
    const [state, failures, leftMs] = await this.redis.arm_breaker_record(
      this.key,
      String(settings.threshold),
      String(settings.cooldownMs),
      who,
      lastResponse.slice(0, 200),
      ...verdicts,
    );
    return { state: state === 'opened' || state === 'open' ? state : 'closed', failures: Number(failures), leftMs: Number(leftMs) };
  }

  /**
   * Closes an open breaker: at once for `operator`, after its cool-down for
   * `cool-down`. `pausedByBreaker`: the breaker had paused the queue itself.
   */
  async close(
    mode: 'cool-down' | 'operator',
  ): Promise<{ outcome: 'closed'; pausedByBreaker: boolean } | { outcome: 'open'; leftMs: number } | { outcome: 'closed-already' }> {
    const [outcome, detail] = await this.redis.arm_breaker_close(this.key, mode);
    if (outcome === 'closed') return { outcome, pausedByBreaker: detail === '1' };
    if (outcome === 'open') return { outcome, leftMs: Number(detail) };
    return { outcome: 'closed-already' };
  }

  /** Notes that the breaker (not an operator) paused the queue, so closing it resumes the queue. */
  async markPausedByBreaker(): Promise<void> {
    await this.redis.hset(this.key, 'pausedByBreaker', '1');
  }

  async pausedByBreaker(): Promise<boolean> {
    return (await this.redis.hget(this.key, 'pausedByBreaker')) === '1';
  }

  /** Remembers a job deferred while open, to promote it when the breaker closes. */
  async noteDeferred(jobId: string): Promise<void> {
    await this.redis.sadd(this.deferredKey, jobId);
  }

  /** The jobs deferred while it was open, forgotten as they are read. */
  async takeDeferred(): Promise<string[]> {
    const [[, ids]] = ((await this.redis.multi().smembers(this.deferredKey).del(this.deferredKey).exec()) ?? [[null, []]]) as [
      [unknown, string[]],
    ];
    return ids;
  }
}
