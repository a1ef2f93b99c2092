/**
 * Retrying, from every door (`retry`, the console's Retry, Retry job and
 * Retry failed deliveries): one way to reset failed deliveries and one way to
 * run a job again.
 *
 *  - retryDeliveries: put the failed deliveries a selection matches (one
 *    delivery, one authority's, or a bulk selection by status and reply) back
 *    to `queued`, recording who asked, then run their jobs again. In two steps
 *    (`planRetry`, then `applyRetry`), so an operator sees what will happen first.
 *  - retryJob: run an authority's letter job again when some recipient is
 *    still owed (the domain's `isOwed`), resetting nothing.
 *
 * Exactly once holds as for any retry: a reset refuses a `sent` record and a
 * live claim, and a job sends only to recipients whose record is not `sent`.
 * Every reset writes `delivery.reset`, every job run again `job.requeued`.
 */
import {
  ActionRefused,
  type Authority,
  type DeliveryRecord,
  EVENT,
  isRetryable,
  parseResendKey,
  RETRYABLE_STATUSES,
  type RecipientKey,
  type RetryableStatus,
  recipientsOf,
} from '../domain/index.js';
import { jobIdOf, letterJobId } from '../schedule/queues.js';
import { type RequeueOutcome, requeueLetterJob } from '../schedule/requeue-job.js';
import { deliveryField } from '../storage/ledger.js';
import type { OperationsContext } from './context.js';

export interface RetrySelection {
  /** Only deliveries in this status. Default: both failed statuses. */
  status?: RetryableStatus;
  /** Only this authority's deliveries. */
  authorityId?: string;
  /** Only this delivery (with `authorityId`). */
  recipient?: RecipientKey;
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
  byStatus: Record<RetryableStatus, number>;
  /** Matching deliveries left alone: their job is running right now. */
  running: DeliveryRecord[];
}

export interface RetryResult {
  /** Deliveries put back to queued. */
  reset: number;
  /** Deliveries that changed between the plan and the reset (sent or claimed meanwhile): left alone. */
  changed: DeliveryRecord[];
  jobs: RequeueOutcome[];
}

function matches(record: DeliveryRecord, selection: RetrySelection): boolean {
  if (!isRetryable(record.status)) return false;
  if (selection.status && record.status !== selection.status) return false;
  if (selection.recipient && record.recipient !== selection.recipient) return false;
  if (selection.reply && !(record.response ?? '').toLowerCase().includes(selection.reply.toLowerCase())) return false;
  return true;
}

/** What `applyRetry` would do now. Reads only. */
export async function planRetry(ctx: OperationsContext, campaignId: string, selection: RetrySelection): Promise<RetryPlan> {
  const ledger = ctx.storage.ledger(campaignId);
  const chosen: DeliveryRecord[] = [];
  if (selection.recipient && selection.authorityId) {
    const record = await ledger.get(selection.authorityId, selection.recipient);
    if (record && matches(record, selection)) chosen.push(record);
  } else {
    for await (const record of ledger.records(selection.authorityId)) if (matches(record, selection)) chosen.push(record);
  }
  chosen.sort((a, b) => a.authorityId.localeCompare(b.authorityId) || a.recipient.localeCompare(b.recipient));
  const jobs = [...new Set(chosen.map((d) => jobIdOf(campaignId, d.authorityId, d.recipient)))];
  const states = await Promise.all(jobs.map((id) => ctx.letters.getJobState(id)));
  const active = new Set(jobs.filter((_, i) => states[i] === 'active'));
  const isRunning = (d: DeliveryRecord) => active.has(jobIdOf(campaignId, d.authorityId, d.recipient));
  const deliveries = chosen.filter((d) => !isRunning(d));
  const byStatus = Object.fromEntries(RETRYABLE_STATUSES.map((s) => [s, 0])) as Record<RetryableStatus, number>;
  for (const d of deliveries) byStatus[d.status as RetryableStatus]++;
  return {
    campaignId,
    selection,
    deliveries,
    authorities: [...new Set(deliveries.map((d) => d.authorityId))],
    byStatus,
    running: chosen.filter(isRunning),
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
 * `delivery.reset` line in the delivery log), then runs each affected job again.
 */
export async function applyRetry(ctx: OperationsContext, plan: RetryPlan, by: string): Promise<RetryResult> {
  const ledger = ctx.storage.ledger(plan.campaignId);
  const changed: DeliveryRecord[] = [];
  // One job per authority, and one per resend (its own job sends only that letter).
  const resetByJob = new Map<string, { authorityId: string; resendKey?: string; recipients: string[] }>();
  for (const d of plan.deliveries) {
    const { reset } = await ledger.reset(d.authorityId, d.recipient, by);
    if (!reset) {
      changed.push(d);
      continue;
    }
    ctx.deliveryLog.info(
      {
        event: EVENT.deliveryReset,
        campaign: plan.campaignId,
        authorityId: d.authorityId,
        recipient: d.recipient,
        email: d.email,
        messageId: d.messageId,
        previousStatus: d.status,
        response: d.response,
        by,
      },
      EVENT.deliveryReset,
    );
    const resendKey = parseResendKey(d.recipient) ? d.recipient : undefined;
    const jobId = jobIdOf(plan.campaignId, d.authorityId, d.recipient);
    const entry = resetByJob.get(jobId) ?? { authorityId: d.authorityId, resendKey, recipients: [] };
    entry.recipients.push(`${d.recipient} (${d.status})`);
    resetByJob.set(jobId, entry);
  }
  const jobs: RequeueOutcome[] = [];
  for (const { authorityId, resendKey, recipients } of resetByJob.values()) {
    const note = `retry by ${by}: ${recipients.join(', ')} reset to queued; sends only to recipients not yet sent`;
    jobs.push(await runAgain(ctx, plan.campaignId, authorityId, by, note, resendKey));
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

/** What a retry did to the job; `running`: only when the job started between the look and a delivery's reset. */
export type JobRetryAction = Exclude<RequeueOutcome['action'], 'unknown-state'> | 'nothing-to-send';

export interface JobRetry {
  jobId: string;
  action: JobRetryAction;
  /** The recipients the job will send to. */
  willSend: RecipientKey[];
  /** The whole answer in an operator's words. */
  message: string;
}

/**
 * Runs an authority's letter job again when some recipient is still owed, and
 * says exactly whom it will send to; when nobody is owed (all sent, bounced
 * or failed for good) it runs nothing and says what each needs instead.
 */
export async function retryJob(
  ctx: OperationsContext,
  campaignId: string,
  authority: Authority,
  by: string,
  reason?: string,
): Promise<JobRetry> {
  const ledger = ctx.storage.ledger(campaignId);
  const keys = recipientsOf(authority).map((r) => r.key);
  const fields = keys.map((key) => deliveryField(authority.id, key));
  const [{ owed }, records] = await Promise.all([ledger.owed(fields), ledger.forAuthority(authority.id, keys)]);
  const byKey = new Map(records.map((r) => [r.recipient, r]));
  const willSend = keys.filter((key) => owed.has(deliveryField(authority.id, key)));
  const notOwed = keys.filter((key) => !willSend.includes(key));
  const sent = notOwed.filter((key) => byKey.get(key)?.status === 'sent');
  const rest = [
    ...(sent.length > 0 ? [`${sent.join(', ')} already sent`] : []),
    ...notOwed.filter((key) => !sent.includes(key)).map((key) => describeNotOwed(key, byKey.get(key))),
  ].join('; ');
  const jobId = letterJobId(campaignId, authority.id);
  if (willSend.length === 0) {
    return { jobId, action: 'nothing-to-send', willSend, message: `nothing to send, so job ${jobId} was not run again: ${rest}` };
  }
  const note = `retry requested by ${by}${reason ? `: ${reason}` : ''}; will send to ${willSend.join(', ')}`;
  const outcome = await runAgain(ctx, campaignId, authority.id, by, note);
  const whom = `will send to ${willSend.join(', ')}${rest ? `; ${rest}` : ''}`;
  switch (outcome.action) {
    case 'running':
      throw new ActionRefused(`job ${jobId} is running right now; wait for it to finish, then retry`, 'conflict');
    case 'unknown-state':
      throw new ActionRefused(`job ${jobId} is ${outcome.state}; it cannot be retried`, 'conflict');
    case 're-added':
      return { jobId, action: outcome.action, willSend, message: `job ${jobId} was not in the queue; added it again: it ${whom}` };
    case 'promoted':
      return { jobId, action: outcome.action, willSend, message: `job ${jobId} was waiting to retry; it runs now and ${whom}` };
    case 'already-waiting':
      return { jobId, action: outcome.action, willSend, message: `job ${jobId} is already waiting to run; it ${whom}` };
    default:
      return { jobId, action: outcome.action, willSend, message: `job ${jobId} runs again and ${whom}` };
  }
}

/**
 * One failed delivery back to queued, then its job run again: the console's
 * Retry on a delivery. Refused (ActionRefused, nothing changed) when there is
 * no such delivery, it is not failed, or its job is running right now.
 */
export async function retryDelivery(
  ctx: OperationsContext,
  campaignId: string,
  authority: Authority,
  recipient: RecipientKey,
  by: string,
): Promise<JobRetry> {
  const record = await ctx.storage.ledger(campaignId).get(authority.id, recipient);
  if (!record) throw new ActionRefused(`no delivery ${authority.id}/${recipient} in campaign ${campaignId}`, 'not-found');
  if (!isRetryable(record.status)) {
    const instead = record.status === 'bounced' ? ' (a bounced letter needs a corrected address: Readdress)' : '';
    throw new ActionRefused(
      `delivery ${authority.id}/${recipient} is ${record.status}, not failed; nothing to retry${instead}`,
      'conflict',
    );
  }
  const plan = await planRetry(ctx, campaignId, { authorityId: authority.id, recipient });
  if (plan.running.length > 0)
    throw new ActionRefused(`the letter job for ${authority.id} is running right now; wait for it to finish, then retry`, 'conflict');
  const result = await applyRetry(ctx, plan, by);
  if (result.reset === 0) {
    throw new ActionRefused(`delivery ${authority.id}/${recipient} changed meanwhile; reload, then decide again`, 'conflict');
  }
  const job = result.jobs[0]!;
  const jobId = job.jobId;
  const message = `${recipient} was ${record.status} (${record.response ?? 'no reply'}), reset to queued; job ${jobId} ${
    job.action === 're-added' ? 'was added again' : job.action === 'already-waiting' ? 'is already waiting to run' : 'runs again'
  } and will send to ${recipient}`;
  if (job.action === 'running' || job.action === 'unknown-state') {
    // Started between the look and the reset: it sends the letter only if it has not passed this recipient yet.
    const later = `${recipient} was reset to queued, but job ${jobId} is ${job.state} right now; once it has finished, use Retry job if ${recipient} is still not sent`;
    return { jobId, action: 'running', willSend: [], message: later };
  }
  return { jobId, action: job.action, willSend: [recipient], message };
}

function describeNotOwed(key: RecipientKey, record: DeliveryRecord | undefined): string {
  switch (record?.status) {
    case 'bounced':
      return `${key} bounced (${record.diagnostic ?? 'no diagnostic'}; use Readdress with a corrected address)`;
    case 'permanent-failure':
      return `${key} stays a permanent failure (${record.response ?? 'no reply'}; use Retry on that delivery once its cause is fixed)`;
    case 'sending':
      return `${key} is being sent by a live worker`;
    default:
      return `${key} ${record?.status ?? 'not queued'}`;
  }
}

/** Runs a job again (the queue's mechanics: src/schedule/requeue-job.ts) and writes `job.requeued`. */
export async function runAgain(
  ctx: OperationsContext,
  campaignId: string,
  authorityId: string,
  by: string,
  note: string,
  resendKey?: string,
): Promise<RequeueOutcome> {
  const outcome = await requeueLetterJob(ctx.letters, ctx.policy, campaignId, authorityId, note, resendKey);
  ctx.deliveryLog.info(
    {
      event: EVENT.jobRequeued,
      campaign: campaignId,
      authorityId,
      jobId: outcome.jobId,
      action: outcome.action,
      previousState: outcome.state,
      by,
      note,
    },
    EVENT.jobRequeued,
  );
  return outcome;
}
