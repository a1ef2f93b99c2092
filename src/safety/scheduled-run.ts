/**
 * What the campaigns worker checks before fanning out a scheduled run: the
 * campaign is stored, its letter date is today-ish, and what is stored (its
 * data and compiled templates) is what was approved. Any "no" is a reason an
 * operator can act on; nothing is sent.
 */
import type { Redis } from 'ioredis';
import type { CampaignStore } from '../storage/campaign-store.js';
import { Approvals, checkStoredApproved } from './approval.js';
import { letterDateRefusal } from './staleness.js';
import { isTestCampaign } from './test-mode.js';

export interface ScheduledRunCheck {
  redis: Redis;
  prefix: string;
  store: CampaignStore;
  campaignId: string;
  /** MAX_LETTER_AGE_DAYS. */
  maxAgeDays: number;
  /** ms since epoch. */
  now: number;
}

/** Why this scheduled run must not send, or null when it may. */
export async function scheduledRunRefusal(check: ScheduledRunCheck): Promise<string | null> {
  const id = check.campaignId;
  if (isTestCampaign(id)) return `campaign ${id} is a test run; a scheduled run only ever sends a real campaign`;
  const stored = await check.store.load(id);
  if (!stored) {
    return `campaign ${id} is not stored in Redis (never stored under this QUEUE_PREFIX, or removed); store it with \`schedule --data DIR\``;
  }
  const reasons: string[] = [];
  const stale = letterDateRefusal(stored.campaign, check.now, check.maxAgeDays);
  if (stale) reasons.push(stale);
  const approvals = new Approvals(check.redis, check.prefix);
  const [approval, storedCheck] = await Promise.all([approvals.get(id), approvals.getStored(id)]);
  const approved = checkStoredApproved(id, approval, storedCheck, stored.version);
  if (!approved.ok) reasons.push(approved.reason);
  return reasons.length > 0 ? reasons.join('; and ') : null;
}
