/**
 * An operator's "try the relay now": close the circuit breaker at once,
 * resume the letters queue it paused, bring back the jobs it deferred. The
 * `breaker.closed` line goes to the delivery log, with who asked.
 */
import type { BreakerState } from '../domain/index.js';
import { CircuitBreaker } from '../send/circuit-breaker.js';
import type { OperationsContext } from './context.js';

export function relayState(ctx: OperationsContext): Promise<BreakerState> {
  return ctx.storage.breaker.read();
}

export async function tryRelayNow(ctx: OperationsContext, by: string): Promise<{ closed: boolean; promoted: number }> {
  const breaker = new CircuitBreaker({
    store: ctx.storage.breaker,
    threshold: ctx.config.BREAKER_THRESHOLD,
    cooldownMs: ctx.config.BREAKER_COOLDOWN_MS,
    who: `operator ${by}`,
    queue: ctx.letters,
    log: ctx.deliveryLog,
  });
  return breaker.tryNow();
}
