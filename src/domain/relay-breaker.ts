/**
 * The relay's circuit breaker as an operator reads it: its stored state, and
 * the one line `run`'s progress and the console show while it holds the
 * letters queue (since when, the relay's last answer, the next try).
 */
import { TIMEZONE } from './time-zone.js';

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

/** "15:20:01", London time (the schedule's zone), so every screen shows the same clock. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { timeZone: TIMEZONE, hour12: false });
}

/** One line while the breaker is open; null while it is closed. */
export function describeOpenBreaker(state: BreakerState): string | null {
  if (state.state !== 'open') return null;
  const since = state.openedAt ? ` since ${clockTime(state.openedAt)}` : '';
  const answer = state.lastResponse ? `; the relay's last answer: ${state.lastResponse}` : '';
  const next = state.openUntil ? `; next try at ${clockTime(state.openUntil)}` : '';
  return `relay circuit breaker open${since}: sending paused${answer}${next}`;
}
