/**
 * The circuit breaker in an operator's words, for `run`'s progress and the
 * campaign page: since when it holds the letters queue, the relay's last
 * answer, and when the workers try the relay again.
 */
import type { BreakerState } from './circuit-breaker.js';

/** "15:20:01", London time (the schedule's zone), so every screen shows the same clock. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour12: false });
}

/** One line while the breaker is open; null while it is closed. */
export function describeOpenBreaker(state: BreakerState): string | null {
  if (state.state !== 'open') return null;
  const since = state.openedAt ? ` since ${clockTime(state.openedAt)}` : '';
  const answer = state.lastResponse ? `; the relay's last answer: ${state.lastResponse}` : '';
  const next = state.openUntil ? `; next try at ${clockTime(state.openUntil)}` : '';
  return `relay circuit breaker open${since}: sending paused${answer}${next}`;
}
