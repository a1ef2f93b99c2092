/**
 * The circuit breaker: when the relay fails many sends in a row (4xx, refused
 * or dropped connections, timeouts), stop sending instead of burning every
 * job's attempts against a relay that is down, then try again after a cool-down.
 *
 * One breaker per installation, in Redis (StorageKeys.breaker), shared by every
 * worker process: the relay is shared, so the evidence is too. Twenty workers
 * each seeing one failure is twenty failures in a row; a per-process count
 * would need threshold x workers failures, and would pause a global queue on
 * the evidence of one process. Every change of state is one Lua script, so two
 * workers cannot both open it or both close it.
 *
 *   closed --(threshold transient failures in a row)--> open: letters queue paused
 *   open --(cool-down over, or an operator resumed the queue)--> closed: queue resumed
 *
 * Opening pauses the letters queue (BullMQ's global pause: no worker takes a
 * new job; jobs already running finish). Any worker's monitor closes it when
 * the cool-down is over, so the breaker closes even if the worker that opened
 * it has died. An operator who resumes the queue in the UI closes it too. A
 * queue an operator had paused before the breaker opened stays paused.
 * Jobs already running when it opened are deferred until the cool-down ends
 * (without spending an attempt); closing promotes them, so an operator's
 * resume brings them back at once too.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import { StorageKeys } from '../storage/keys.js';
import { type StorageCommands, withStorageCommands } from '../storage/scripts.js';

/** The part of a BullMQ Queue the breaker drives. */
export interface PausableQueue {
  pause(): Promise<void>;
  resume(): Promise<void>;
  isPaused(): Promise<boolean>;
  /** To bring the jobs it deferred back as soon as it closes. */
  getJob(id: string): Promise<{ promote(): Promise<void> } | undefined>;
}

export type SendVerdict = 'ok' | 'transient';

export interface BreakerState {
  state: 'open' | 'closed';
  /** Transient failures in a row, across all workers. */
  failures: number;
  /** While open: when the cool-down ends (ms since epoch, Redis clock). */
  openUntil?: number;
  openedAt?: number;
  /** Why it last opened: "20 sends in a row failed transiently; last: 421 ...". */
  reason?: string;
  /** The relay's answer to the send that opened it, e.g. "421 4.3.2 service not available". */
  lastResponse?: string;
  /** How many times it has opened, ever. */
  opens: number;
  closedAt?: number;
  /** 'cool-down' or 'operator'. */
  closedBy?: string;
}

export interface CircuitBreakerOptions {
  /** QUEUE_PREFIX; one breaker per prefix. */
  prefix: string;
  /** Transient failures in a row that open it (BREAKER_THRESHOLD); 0 never opens. */
  threshold: number;
  /** How long it stays open (BREAKER_COOLDOWN_MS). */
  cooldownMs: number;
  /** Who records (this worker's id), for the log. */
  who: string;
  /** The queue it pauses and resumes: the letters queue. */
  queue: PausableQueue;
  log: Logger;
  /** How often the monitor looks at an open breaker. Default a quarter of the cool-down, between 250 ms and 5 s. */
  checkEveryMs?: number;
}

export function breakerKey(prefix: string): string {
  return new StorageKeys(prefix).breaker();
}

/** The breaker's state as stored, for the UI and for tests. */
export async function readBreaker(redis: Redis, prefix: string): Promise<BreakerState> {
  const raw = await redis.hgetall(breakerKey(prefix));
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

export class CircuitBreaker {
  private readonly redis: Redis & StorageCommands;
  private readonly key: string;
  private readonly deferredKey: string;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Local view of "open until" (local clock), refreshed by every record and every check: no Redis read per job. */
  private openUntilLocal = 0;

  constructor(
    redis: Redis,
    private readonly options: CircuitBreakerOptions,
  ) {
    // Every change of state is a script: src/storage/lua/breaker-record-1.lua and breaker-close-1.lua.
    this.redis = withStorageCommands(redis);
    const keys = new StorageKeys(options.prefix);
    this.key = keys.breaker();
    this.deferredKey = keys.breakerDeferred();
  }

  /** While open, how long until the cool-down ends (as last seen by this process); 0 when closed. */
  openForMs(): number {
    return Math.max(0, this.openUntilLocal - Date.now());
  }

  /** Like openForMs, but asks Redis first when this process thinks it is open (an operator may have resumed since). */
  async confirmOpenForMs(): Promise<number> {
    if (this.openForMs() > 0) await this.check();
    return this.openForMs();
  }

  /** Remembers a job deferred while open, to promote it when the breaker closes. */
  async noteDeferred(jobId: string): Promise<void> {
    await this.redis.sadd(this.deferredKey, jobId);
  }

  /**
   * Records the outcomes of one job's sends, in order. Opens the breaker (and
   * pauses the queue) when they complete a run of `threshold` transient failures.
   */
  async record(verdicts: SendVerdict[], lastResponse = ''): Promise<void> {
    if (verdicts.length === 0) return;
    const [state, failures, leftMs] = await this.redis.arm_breaker_record(
      this.key,
      String(this.options.threshold),
      String(this.options.cooldownMs),
      this.options.who,
      lastResponse.slice(0, 200),
      ...verdicts,
    );
    this.openUntilLocal = state === 'closed' ? 0 : Date.now() + Number(leftMs);
    if (state !== 'opened') return;

    // Ours to pause; an operator's earlier pause is left to the operator.
    const alreadyPaused = await this.options.queue.isPaused();
    if (!alreadyPaused) {
      await this.options.queue.pause();
      await this.redis.hset(this.key, 'pausedByBreaker', '1');
    }
    this.options.log.warn(
      {
        event: EVENT.breakerOpen,
        failures,
        threshold: this.options.threshold,
        cooldownMs: this.options.cooldownMs,
        lastResponse,
        queuePausedByOperator: alreadyPaused,
      },
      `breaker.open: ${failures} sends in a row failed transiently (last: ${lastResponse}); ` +
        `letters queue paused for ${this.options.cooldownMs} ms (resume it in the UI to retry sooner)`,
    );
  }

  /**
   * An operator's "try the relay now": closes an open breaker at once,
   * resumes the queue if the breaker paused it, and brings back the jobs it
   * deferred. Returns false when it was not open.
   */
  async tryNow(): Promise<{ closed: boolean; promoted: number }> {
    const state = await readBreaker(this.redis, this.options.prefix);
    const [outcome, pausedByBreaker] = await this.redis.arm_breaker_close(this.key, 'operator');
    if (outcome !== 'closed') return { closed: false, promoted: 0 };
    this.openUntilLocal = 0;
    if (pausedByBreaker === '1') await this.options.queue.resume();
    const promoted = await this.promoteDeferred();
    this.options.log.info(
      { event: EVENT.breakerClosed, by: 'operator', who: this.options.who, openedAt: state.openedAt, reason: state.reason, promoted },
      `breaker.closed: ${this.options.who} asked to try the relay now`,
    );
    return { closed: true, promoted };
  }

  /** Starts watching an open breaker: closes it after the cool-down, or when an operator has resumed the queue. */
  start(): void {
    if (this.timer) return;
    const every = this.options.checkEveryMs ?? Math.min(5_000, Math.max(250, Math.floor(this.options.cooldownMs / 4)));
    this.timer = setInterval(() => void this.check(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at the breaker (the monitor's tick; tests call it directly). Concurrent calls share one look. */
  check(): Promise<void> {
    this.checking ??= this.look().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async look(): Promise<void> {
    try {
      const state = await readBreaker(this.redis, this.options.prefix);
      if (state.state !== 'open') {
        this.openUntilLocal = 0;
        return;
      }
      const pausedByBreaker = (await this.redis.hget(this.key, 'pausedByBreaker')) === '1';
      const operatorResumed = pausedByBreaker && !(await this.options.queue.isPaused());
      const [outcome, detail] = await this.redis.arm_breaker_close(this.key, operatorResumed ? 'operator' : 'cool-down');
      if (outcome === 'open') {
        this.openUntilLocal = Date.now() + Number(detail);
        return;
      }
      this.openUntilLocal = 0;
      if (outcome !== 'closed') return;
      if (!operatorResumed && detail === '1') await this.options.queue.resume();
      const promoted = await this.promoteDeferred();
      this.options.log.info(
        {
          event: EVENT.breakerClosed,
          by: operatorResumed ? 'operator' : 'cool-down',
          openedAt: state.openedAt,
          reason: state.reason,
          promoted,
        },
        operatorResumed ? 'breaker.closed: an operator resumed the letters queue' : 'breaker.closed: cool-down over; letters queue resumed',
      );
    } catch (err) {
      // Redis away (restarting): the next tick tries again.
      this.options.log.debug({ event: EVENT.breakerCheckFailed, err }, 'breaker check failed');
    }
  }

  /** Brings the jobs deferred while it was open back now. Returns how many were still waiting. */
  private async promoteDeferred(): Promise<number> {
    const key = this.deferredKey;
    const [[, ids]] = ((await this.redis.multi().smembers(key).del(key).exec()) ?? [[null, []]]) as [[unknown, string[]]];
    let promoted = 0;
    for (const id of ids) {
      try {
        await (await this.options.queue.getJob(id))?.promote();
        promoted++;
      } catch {
        // no longer delayed: it ran already, or is running
      }
    }
    return promoted;
  }
}
