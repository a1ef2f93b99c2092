/**
 * What the annual run checks when it fires, before it fans out: the campaign
 * is stored, its letter date is today-ish, and what is stored (its data and
 * compiled templates) is what was approved. Any "no" is a reason an operator
 * can act on; nothing is sent. A verdict only: the operation that fires the
 * run (src/operations/scheduled-run.ts) reads what it needs from storage.
 */
import { type Approval, type Campaign, isTestCampaign, type StoredCheck } from '../domain/index.js';
import { checkStoredApproved } from './approval.js';
import { letterDateRefusal } from './staleness.js';

export interface ScheduledRunFacts {
  campaignId: string;
  /** The stored campaign, or null when none is stored under this id. */
  stored: { campaign: Campaign; version: string } | null;
  approval: Approval | null;
  storedCheck: StoredCheck | null;
  /** MAX_LETTER_AGE_DAYS. */
  maxAgeDays: number;
  /** ms since epoch. */
  now: number;
}

/** Why this scheduled run must not send, or null when it may. */
export function scheduledRunRefusal(facts: ScheduledRunFacts): string | null {
  const id = facts.campaignId;
  if (isTestCampaign(id)) return `campaign ${id} is a test run; a scheduled run only ever sends a real campaign`;
  if (!facts.stored) {
    return `campaign ${id} is not stored in Redis (never stored under this QUEUE_PREFIX, or removed); store it with \`schedule --data DIR\``;
  }
  const reasons: string[] = [];
  const stale = letterDateRefusal(facts.stored.campaign, facts.now, facts.maxAgeDays);
  if (stale) reasons.push(stale);
  const approved = checkStoredApproved(id, facts.approval, facts.storedCheck, facts.stored.version);
  if (!approved.ok) reasons.push(approved.reason);
  return reasons.length > 0 ? reasons.join('; and ') : null;
}
