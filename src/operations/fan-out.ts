/**
 * Fan-out: one letter job per authority of a stored campaign. Idempotent:
 * jobs are added under "<campaign>-<authorityId>", so a second fan-out (a
 * second `run`, or the scheduler firing again) adds nothing that exists, and
 * the ledger makes sure nobody is emailed twice even if a job is re-added.
 *
 * It also repairs: a cancel removes jobs, and a failover can lose a job, or
 * roll a ledger record back after the job finished. An authority with a
 * recipient still owed (the domain's `isOwed`) whose job is missing or
 * finished gets its job back; a live job is left alone, and a `sent`
 * recipient is never owed. A fan-out ends an operator's cancel: the run goes
 * on. It writes one `campaign.fanned-out` line to the delivery log.
 */
import {
  type Authority,
  CampaignNotStoredError,
  EVENT,
  isTestCampaign,
  letterMessageId,
  mailDomain,
  type NewDelivery,
  recipientsOf,
} from '../domain/index.js';
import { letterJobId, letterJobOptions } from '../schedule/queues.js';
import { deliveryField } from '../storage/ledger.js';
import type { OperationsContext } from './context.js';

/** What a fan-out did, authority by authority: each counts in exactly one of these. */
export interface FanOutResult {
  /** Jobs added for authorities the ledger had never seen: the run's first fan-out. */
  added: number;
  /** Jobs added back for authorities the ledger knew, still owed a letter: removed by a cancel, or lost in a failover. */
  restored: number;
  /** Finished jobs run again because a letter is still owed (a record rolled back by a failover). */
  requeued: number;
  /** Authorities left as they were: their job is waiting or running, or nothing is owed them. */
  existing: number;
}

export interface FanOutOptions {
  campaignId: string;
  /** Who asked: an operator's name for `run`, "scheduler" for the annual run. */
  by: string;
  /** addBulk batch size. Default 1000. */
  chunkSize?: number;
  /** Called after each batch, for progress bars. */
  onProgress?: (done: number) => void;
}

/** "3 jobs added, 1 added back (...), 0 run again (...), 396 left as they were". */
export function describeFanOut(r: FanOutResult): string {
  return (
    `${r.added} jobs added, ${r.restored} added back (letters still owed whose job was cancelled or lost), ` +
    `${r.requeued} run again (a finished job whose letter is still owed), ${r.existing} left as they were`
  );
}

/**
 * Batches in flight at once, so Redis adds some batches' jobs while this
 * process builds the others'. Each batch is one MULTI, so Redis still serves
 * other clients (the workers) between batches.
 */
const LANES = 8;

export async function fanOut(ctx: OperationsContext, options: FanOutOptions): Promise<FanOutResult> {
  const { campaignId } = options;
  const campaigns = ctx.storage.campaigns;
  const stored = await campaigns.load(campaignId);
  if (!stored) throw new CampaignNotStoredError(campaignId);
  const domain = mailDomain(stored.campaign.mail.from.address);
  const chunkSize = options.chunkSize ?? 1000;
  const result: FanOutResult = { added: 0, restored: 0, requeued: 0, existing: 0 };
  const batches = batchesOf(campaigns.authorityPages(campaignId), chunkSize);
  // Several batches at a time, so Redis adds some batches' jobs while this
  // process builds the others' (see LANES).
  const lane = async () => {
    for (let next = await batches.next(); !next.done; next = await batches.next()) {
      const counts = await addBatch(ctx, campaignId, next.value, domain);
      result.added += counts.added;
      result.restored += counts.restored;
      result.requeued += counts.requeued;
      result.existing += counts.existing;
      options.onProgress?.(result.added + result.restored + result.requeued + result.existing);
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: LANES }, lane));
  for (const outcome of lanes) if (outcome.status === 'rejected') throw outcome.reason;
  if (stored.cancelled) await campaigns.clearCancelled(campaignId);
  ctx.deliveryLog.info(
    {
      event: EVENT.campaignFannedOut,
      campaign: campaignId,
      by: options.by,
      ...result,
      ...(stored.cancelled ? { cancelledBy: stored.cancelled.by } : {}),
    },
    EVENT.campaignFannedOut,
  );
  return result;
}

/** Pages of any size regrouped into batches of `size`. */
async function* batchesOf<T>(pages: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const page of pages) {
    for (const item of page) {
      batch.push(item);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

async function addBatch(ctx: OperationsContext, campaignId: string, authorities: Authority[], domain: string): Promise<FanOutResult> {
  const queue = ctx.letters;
  const ledger = ctx.storage.ledger(campaignId);
  const ids = authorities.map((a) => letterJobId(campaignId, a.id));
  const keys = ids.map((id) => queue.toKey(id));
  // One EXISTS for the whole batch; only when some job exists (a second run) is each one's state read.
  const states: Array<string | undefined> = new Array(authorities.length).fill(undefined);
  if ((await ctx.storage.redis.exists(...keys)) > 0) {
    const found = await Promise.all(ids.map((id) => queue.getJobState(id)));
    for (const [i, state] of found.entries()) states[i] = state === 'unknown' ? undefined : state;
  }

  // A job missing (never added, or lost in a failover) or finished is a candidate; only an
  // authority with a recipient still owed gets one. A live job is left to finish its work.
  const candidates = authorities.flatMap((authority, i) =>
    states[i] === undefined || FINISHED.has(states[i]) ? [{ authority, id: ids[i]!, state: states[i] }] : [],
  );
  const fields = candidates.flatMap((c) => recipientsOf(c.authority).map((r) => deliveryField(c.authority.id, r.key)));
  const { owed, recorded } = await ledger.owed(fields);
  const due = candidates.filter((c) => recipientsOf(c.authority).some((r) => owed.has(deliveryField(c.authority.id, r.key))));

  // Ledger first: a delivery is visible as queued before any worker can pick its job.
  const deliveries: NewDelivery[] = due.flatMap(({ authority: a }) =>
    recipientsOf(a).map((r) => ({
      authorityId: a.id,
      recipient: r.key,
      role: r.role,
      email: r.email,
      messageId: letterMessageId(campaignId, a.id, r.key, domain),
    })),
  );
  await ledger.seed(deliveries);
  const jobOptions = letterJobOptions(ctx.policy);
  const missing = due.filter((c) => c.state === undefined);
  await queue.addBulk(
    missing.map(({ authority: a, id }) => ({
      name: 'letter',
      // A test run's jobs say so; the worker also knows one by its campaign id.
      data: isTestCampaign(campaignId)
        ? { campaign: campaignId, authorityId: a.id, test: true as const }
        : { campaign: campaignId, authorityId: a.id },
      opts: { ...jobOptions, jobId: id },
    })),
  );
  // A finished job owing a letter goes back to waiting, with its attempts anew; the claim
  // in the ledger still stops anyone already `sent` from being sent again.
  const finished = due.filter((c) => c.state !== undefined);
  await Promise.all(
    finished.map(async (c) =>
      (await queue.getJob(c.id))?.retry(c.state as 'completed' | 'failed', { resetAttemptsMade: true, resetAttemptsStarted: true }),
    ),
  );
  // Added back: a missing job for an authority the ledger already knew (cancelled, or lost after its fan-out).
  const restored = missing.filter((c) => recipientsOf(c.authority).some((r) => recorded.has(deliveryField(c.authority.id, r.key)))).length;
  return {
    added: missing.length - restored,
    restored,
    requeued: finished.length,
    existing: authorities.length - missing.length - finished.length,
  };
}

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed']);
