/**
 * Fan-out: one letter job per authority of a stored campaign. Idempotent:
 * jobs are added under "<campaign>-<authorityId>", so a second fan-out (a
 * second `run`, or the scheduler firing again) adds nothing that exists, and
 * the ledger makes sure nobody is emailed twice even if a job is re-added.
 *
 * It seeds the ledger through storage (the ledger's record store lives there,
 * below every stage) and takes Message-IDs and the test-campaign rule from the
 * domain, so the schedule stage imports nothing above it.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Authority, CampaignNotStoredError, isTestCampaign, letterMessageId, type NewDelivery, recipientsOf } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { letterJobId, letterJobOptions, type LetterJobData, type RetryPolicy } from './queues.js';

export interface FanOutResult {
  added: number;
  existing: number;
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
  const result: FanOutResult = { added: 0, existing: 0 };
  const batches = batchesOf(options.store.authorityPages(options.campaignId), chunkSize);
  // Several batches at a time, so Redis adds some batches' jobs while this
  // process builds the others' (see LANES).
  const lane = async () => {
    for (let next = await batches.next(); !next.done; next = await batches.next()) {
      const counts = await addBatch(options, next.value, fromAddress);
      result.added += counts.added;
      result.existing += counts.existing;
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
  // One EXISTS for the whole batch; only when some job exists (a second run) is each one checked.
  let fresh = authorities;
  if ((await options.redis.exists(...keys)) > 0) {
    const pipeline = options.redis.pipeline();
    for (const key of keys) pipeline.exists(key);
    const exists = (await pipeline.exec()) ?? [];
    fresh = authorities.filter((_, i) => exists[i]?.[1] === 0);
  }

  // Ledger first: a delivery is visible as queued before any worker can pick its job.
  const deliveries: NewDelivery[] = fresh.flatMap((a) =>
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
  await queue.addBulk(
    fresh.map((a) => ({
      name: 'letter',
      // A test run's jobs say so; the worker also knows one by its campaign id.
      data: isTestCampaign(campaignId) ? { campaign: campaignId, authorityId: a.id, test: true } : { campaign: campaignId, authorityId: a.id },
      opts: { ...jobOptions, jobId: letterJobId(campaignId, a.id) },
    })),
  );
  return { added: fresh.length, existing: authorities.length - fresh.length };
}
