/**
 * Where a campaign's run stands, in one word and one sentence, for the
 * console's header and `run`'s closing lines alike: sending, paused by the
 * relay's circuit breaker, cancelled (by whom, when), finished (with how many
 * letters still owed), or not started. Derived from facts, never stored.
 */
import { type BreakerState, clockTime, describeOpenBreaker } from './relay-breaker.js';

export interface CampaignFacts {
  /** Deliveries the ledger records for the campaign. */
  deliveries: number;
  sent: number;
  /** Some letter job of the campaign is waiting, delayed or running. */
  jobsUnfinished: boolean;
  /** An operator's cancel that no fan-out has carried on since. */
  cancelled?: { by: string; at: number };
  breaker: BreakerState;
}

export type CampaignState =
  | { state: 'not-started' }
  | { state: 'sending' }
  | { state: 'paused'; relay: string }
  | { state: 'cancelled'; by: string; at: number; owed: number }
  | { state: 'finished'; owed: number };

export function campaignStateOf(facts: CampaignFacts): CampaignState {
  const owed = facts.deliveries - facts.sent;
  if (facts.cancelled) return { state: 'cancelled', by: facts.cancelled.by, at: facts.cancelled.at, owed };
  if (facts.jobsUnfinished) {
    const relay = describeOpenBreaker(facts.breaker);
    return relay ? { state: 'paused', relay } : { state: 'sending' };
  }
  if (facts.deliveries === 0) return { state: 'not-started' };
  return { state: 'finished', owed };
}

/** Whether letters of the campaign are on their way (sending, or held by the breaker). */
export function isUnderway(state: CampaignState): boolean {
  return state.state === 'sending' || state.state === 'paused';
}

/** The state in an operator's words: "cancelled by Olivia at 15:20:01; 230 letters not sent". */
export function describeCampaignState(state: CampaignState): string {
  const letters = (n: number) => `${n} ${n === 1 ? 'letter' : 'letters'}`;
  switch (state.state) {
    case 'not-started':
      return 'not started: nothing has been fanned out';
    case 'sending':
      return 'sending';
    case 'paused':
      return `paused: ${state.relay}`;
    case 'cancelled':
      return `cancelled by ${state.by} at ${clockTime(state.at)}${state.owed > 0 ? `; ${letters(state.owed)} not sent` : ''}`;
    case 'finished':
      return state.owed > 0 ? `finished; ${letters(state.owed)} not sent` : 'finished; every letter sent';
  }
}
