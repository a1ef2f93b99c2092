/**
 * The circuit breaker: when the relay fails many sends in a row (4xx, refused
 * or dropped connections, timeouts), stop sending instead of burning every
 * job's attempts against a relay that is down, then try again after a cool-down.
 *
 * One breaker per installation, its state in Redis (src/storage/breaker-store.ts), shared by every
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
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';
import type { BreakerStore, BreakerVerdict } from '../storage/breaker-store.js';

/** The part of a BullMQ Queue the breaker drives. */
export interface PausableQueue {
  pause(): Promise<void>;
  resume(): Promise<void>;
  isPaused(): Promise<boolean>;
  /** To bring the jobs it deferred back as soon as it closes. */
  getJob(id: string): Promise<{ promote(): Promise<void> } | undefined>;
}

export type SendVerdict = BreakerVerdict;

export interface CircuitBreakerOptions {
  /** Where its state is kept (the installation's one breaker). */
  store: BreakerStore;
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

export class CircuitBreaker {
  private readonly store: BreakerStore;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Local view of "open until" (local clock), refreshed by every record and every check: no Redis read per job. */
  private openUntilLocal = 0;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.store = options.store;
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
    await this.store.noteDeferred(jobId);
  }

  /**
   * Records the outcomes of one job's sends, in order. Opens the breaker (and
   * pauses the queue) when they complete a run of `threshold` transient failures.
   */
  async record(verdicts: SendVerdict[], lastResponse = ''): Promise<void> {
    if (verdicts.length === 0) return;
    const { state, failures, leftMs } = await this.store.record(this.options, this.options.who, lastResponse, verdicts);
    this.openUntilLocal = state === 'closed' ? 0 : Date.now() + leftMs;
    if (state !== 'opened') return;

    // Ours to pause; an operator's earlier pause is left to the operator.
    const alreadyPaused = await this.options.queue.isPaused();
    if (!alreadyPaused) {
      await this.options.queue.pause();
      await this.store.markPausedByBreaker();
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
    const state = await this.store.read();
    const closing = await this.store.close('operator');
    if (closing.outcome !== 'closed') return { closed: false, promoted: 0 };
    this.openUntilLocal = 0;
    if (closing.pausedByBreaker) await this.options.queue.resume();
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
      const state = await this.store.read();
      if (state.state !== 'open') {
        this.openUntilLocal = 0;
        return;
      }
      const pausedByBreaker = await this.store.pausedByBreaker();
      const operatorResumed = pausedByBreaker && !(await this.options.queue.isPaused());
      const closing = await this.store.close(operatorResumed ? 'operator' : 'cool-down');
      if (closing.outcome === 'open') {
        this.openUntilLocal = Date.now() + closing.leftMs;
        return;
      }
      this.openUntilLocal = 0;
      if (closing.outcome !== 'closed') return;
      if (!operatorResumed && closing.pausedByBreaker) await this.options.queue.resume();
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
    const ids = await this.store.takeDeferred();
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
