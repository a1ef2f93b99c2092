/**
 * Fan-out: one letter job per authority of a stored campaign. Idempotent:
 * jobs are added under "<campaign>-<authorityId>", so a second fan-out (a
 * second `run`, or the scheduler firing again) adds nothing that exists, and
 * the ledger makes sure nobody is emailed twice even if a job is re-added.
 *
 * It also repairs: a failover can lose a job, or roll a ledger record back,
 * after the job finished. An authority with a recipient still owed (see
 * `Ledger.owed`) whose job is missing or finished gets its job back; a live
 * job is left alone, and a `sent` recipient is never owed.
 *
 * It seeds the ledger through storage (the ledger's record store lives there,
 * below every stage) and takes Message-IDs and the test-campaign rule from the
 * domain, so the schedule stage imports nothing above it.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type Authority,
  CampaignNotStoredError,
  isTestCampaign,
  letterMessageId,
  type NewDelivery,
  recipientsOf,
} from '../domain/index.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { deliveryField, type Ledger } from '../storage/ledger.js';
import { type LetterJobData, letterJobId, letterJobOptions, type RetryPolicy } from './queues.js';

export interface FanOutResult {
  /** Jobs added: authorities with no job. */
  added: number;
  /** Authorities given no new job: their job exists (some re-queued: see `repaired`), or nothing is owed them. */
  existing: number;
  /**
   * Jobs put back because a recipient is still owed: a finished job re-queued,
   * or a missing job added for an authority the ledger already knew.
   */
  repaired: number;
}

export interface FanOutOptions {
  queue: Queue<LetterJobData>;
  /** The producer connection, to see which jobs exist already. */
  redis: Redis;
  store: CampaignStore;
  ledger: Ledger;
  campaignId: string;
  policy: RetryPolicy;
  /** addBulk batch size. Default 1000. */
  chunkSize?: number;
  /** Called after each batch, for progress bars. */
  onProgress?: (done: number) => void;
}

/**
 * Batches in flight at once, so Redis adds some batches' jobs while this
 * process builds the others'. Each batch is one MULTI, so Redis still serves
 * other clients (the workers) between batches.
 */
const LANES = 8;

export async function fanOut(options: FanOutOptions): Promise<FanOutResult> {
  const stored = await options.store.load(options.campaignId);
  if (!stored) throw new CampaignNotStoredError(options.campaignId);
  const fromAddress = stored.campaign.mail.from.address;
  const chunkSize = options.chunkSize ?? 1000;
  const result: FanOutResult = { added: 0, existing: 0, repaired: 0 };
  const batches = batchesOf(options.store.authorityPages(options.campaignId), chunkSize);
  // Several batches at a time, so Redis adds some batches' jobs while this
  // process builds the others' (see LANES).
  const lane = async () => {
    for (let next = await batches.next(); !next.done; next = await batches.next()) {
      const counts = await addBatch(options, next.value, fromAddress);
      result.added += counts.added;
      result.existing += counts.existing;
      result.repaired += counts.repaired;
      options.onProgress?.(result.added + result.existing);
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: LANES }, lane));
  for (const outcome of lanes) if (outcome.status === 'rejected') throw outcome.reason;
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

async function addBatch(options: FanOutOptions, authorities: Authority[], fromAddress: string): Promise<FanOutResult> {
  const { queue, ledger, campaignId } = options;
  const ids = authorities.map((a) => letterJobId(campaignId, a.id));
  const keys = ids.map((id) => queue.toKey(id));
  // One EXISTS for the whole batch; only when some job exists (a second run) is each one's state read.
  const states: Array<string | undefined> = new Array(authorities.length).fill(undefined);
  if ((await options.redis.exists(...keys)) > 0) {
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
      messageId: letterMessageId(campaignId, a.id, r.key, fromAddress),
    })),
  );
  await ledger.seed(deliveries);
  const jobOptions = letterJobOptions(options.policy);
  const missing = due.filter((c) => c.state === undefined);
  await queue.addBulk(
    missing.map(({ authority: a, id }) => ({
      name: 'letter',
      // A test run's jobs say so; the worker also knows one by its campaign id.
      data: isTestCampaign(campaignId)
        ? { campaign: campaignId, authorityId: a.id, test: true }
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
  // A repair: a job put back for an authority the ledger already knew (a job lost after its
  // fan-out) or whose job had finished (a letter lost after its job ended).
  const repaired =
    finished.length +
    missing.filter((c) => recipientsOf(c.authority).some((r) => recorded.has(deliveryField(c.authority.id, r.key)))).length;
  return { added: missing.length, existing: authorities.length - missing.length, repaired };
}

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed']);
