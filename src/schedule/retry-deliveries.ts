/**
 * Recovery in bulk: put every failed delivery that matches a selection back
 * to `queued` and run its authority's letter job again, in two steps so an
 * operator sees what will happen before it does (`planRetry`, then
 * `applyRetry`). Used by `retry --campaign ID` and the campaign page.
 *
 * Exactly once holds as for any retry: a reset refuses a `sent` record and a
 * live claim, and the job sends only to recipients whose record is not `sent`.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { type DeliveryRecord, EVENT } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { type LetterJobData, letterJobId, type RetryPolicy, resendRecipient } from './queues.js';
import { type RequeueOutcome, requeueLetterJob } from './requeue-job.js';

export const RETRY_STATUSES = ['permanent-failure', 'temporary-failure'] as const;
export type RetryStatus = (typeof RETRY_STATUSES)[number];

export interface RetrySelection {
  /** Only deliveries in this status. Default: both failed statuses. */
  status?: RetryStatus;
  /** Only this authority's deliveries. */
  authorityId?: string;
  /** Only deliveries whose last SMTP reply contains this text (any case), e.g. "5.1.1". */
  reply?: string;
}

export interface RetryPlan {
  campaignId: string;
  selection: RetrySelection;
  /** What it will reset, by authority then recipient. */
  deliveries: DeliveryRecord[];
  /** The authorities whose letter job it will run again. */
  authorities: string[];
  byStatus: Record<RetryStatus, number>;
  /** Matching deliveries left alone: their authority's job is running right now. */
  running: DeliveryRecord[];
}

export interface RetryResult {
  /** Deliveries put back to queued. */
  reset: number;
  /** Deliveries that changed between the plan and the reset (sent or claimed meanwhile): left alone. */
  changed: DeliveryRecord[];
  jobs: RequeueOutcome[];
}

export interface RetryTarget {
  ledger: Ledger;
  letters: Queue<LetterJobData>;
  campaignId: string;
}

function matches(record: DeliveryRecord, selection: RetrySelection): boolean {
  const statuses: readonly string[] = selection.status ? [selection.status] : RETRY_STATUSES;
  if (!statuses.includes(record.status)) return false;
  if (selection.reply && !(record.response ?? '').toLowerCase().includes(selection.reply.toLowerCase())) return false;
  return true;
}

/** What `applyRetry` would do now. Reads only. */
export async function planRetry(target: RetryTarget, selection: RetrySelection): Promise<RetryPlan> {
  const chosen: DeliveryRecord[] = [];
  for await (const record of target.ledger.records(selection.authorityId)) {
    if (matches(record, selection)) chosen.push(record);
  }
  chosen.sort((a, b) => a.authorityId.localeCompare(b.authorityId) || a.recipient.localeCompare(b.recipient));
  const authorities = [...new Set(chosen.map((d) => d.authorityId))];
  const states = await Promise.all(authorities.map((a) => target.letters.getJobState(letterJobId(target.campaignId, a))));
  const active = new Set(authorities.filter((_, i) => states[i] === 'active'));
  const deliveries = chosen.filter((d) => !active.has(d.authorityId));
  const byStatus: Record<RetryStatus, number> = { 'permanent-failure': 0, 'temporary-failure': 0 };
  for (const d of deliveries) byStatus[d.status as RetryStatus]++;
  return {
    campaignId: target.campaignId,
    selection,
    deliveries,
    authorities: authorities.filter((a) => !active.has(a)),
    byStatus,
    running: chosen.filter((d) => active.has(d.authorityId)),
  };
}

/** The plan in an operator's words, a line each. */
export function describePlan(plan: RetryPlan): string[] {
  const lines: string[] = [];
  if (plan.deliveries.length === 0) {
    lines.push(`nothing to retry in campaign ${plan.campaignId}: no failed delivery matches`);
  } else {
    lines.push(
      `will reset ${plan.deliveries.length} deliveries (${plan.byStatus['permanent-failure']} permanent failures, ` +
        `${plan.byStatus['temporary-failure']} temporary failures) to queued and run the letter jobs of ${plan.authorities.length} authorities again; ` +
        `each sends only to its recipients not yet sent:`,
    );
    for (const d of plan.deliveries)
      lines.push(`  ${d.authorityId}/${d.recipient} ${d.email} ${d.status}${d.response ? ` (${d.response})` : ''}`);
  }
  if (plan.running.length > 0) {
    lines.push(
      `left alone, their job is running now (retry again when it has finished): ${plan.running.map((d) => `${d.authorityId}/${d.recipient}`).join(', ')}`,
    );
  }
  return lines;
}

/**
 * Resets the plan's deliveries (recording `by` in each record and a
 * `delivery.reset` line in the delivery log), then runs each affected
 * authority's job again.
 */
export async function applyRetry(
  target: RetryTarget & { policy: RetryPolicy; deliveryLog: Logger },
  plan: RetryPlan,
  by: string,
): Promise<RetryResult> {
  const changed: DeliveryRecord[] = [];
  // One job per authority, and one per resend (its own job sends only that letter).
  const resetByJob = new Map<string, { authorityId: string; resendKey?: string; recipients: string[] }>();
  for (const d of plan.deliveries) {
    const { reset } = await target.ledger.reset(d.authorityId, d.recipient, by);
    if (!reset) {
      changed.push(d);
      continue;
    }
    target.deliveryLog.info(
      {
        event: EVENT.deliveryReset,
        campaign: target.campaignId,
        authorityId: d.authorityId,
        recipient: d.recipient,
        email: d.email,
        messageId: d.messageId,
        previousStatus: d.status,
        response: d.response,
        by,
      },
      'delivery.reset',
    );
    const resendKey = resendRecipient(d.recipient) ? d.recipient : undefined;
    const jobKey = resendKey ? `${d.authorityId}/${resendKey}` : d.authorityId;
    const entry = resetByJob.get(jobKey) ?? { authorityId: d.authorityId, resendKey, recipients: [] };
    entry.recipients.push(`${d.recipient} (${d.status})`);
    resetByJob.set(jobKey, entry);
  }
  const jobs: RequeueOutcome[] = [];
  for (const { authorityId, resendKey, recipients } of resetByJob.values()) {
    const note = `retry by ${by}: ${recipients.join(', ')} reset to queued; sends only to recipients not yet sent`;
    jobs.push(await requeueLetterJob(target.letters, target.policy, target.campaignId, authorityId, note, resendKey));
  }
  return { reset: plan.deliveries.length - changed.length, changed, jobs };
}

/** The result in an operator's words. */
export function describeResult(result: RetryResult): string[] {
  const count = (action: string) => result.jobs.filter((j) => j.action === action).length;
  const lines = [
    `reset ${result.reset} deliveries to queued; letter jobs: ${count('retried-failed') + count('retried-completed')} run again, ` +
      `${count('promoted')} brought forward, ${count('already-waiting')} already waiting, ${count('re-added')} added again`,
  ];
  const running = result.jobs.filter((j) => j.action === 'running' || j.action === 'unknown-state');
  if (running.length > 0)
    lines.push(`not run again (${running.map((j) => `${j.jobId} ${j.state}`).join(', ')}): retry again once they have finished`);
  if (result.changed.length > 0) {
    lines.push(`changed meanwhile, left alone: ${result.changed.map((d) => `${d.authorityId}/${d.recipient}`).join(', ')}`);
  }
  return lines;
}
