/**
 * The two queues and what their jobs carry. Jobs carry ids only; the worker
 * loads everything else from the campaign store and the ledger.
 */
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';

/** One job per authority: render and send its letters. Job id "<campaign>-<authorityId>". */
export const LETTERS_QUEUE = 'letters';
/** Campaign-wide jobs: the annual scheduler's "fan-out" job lands here. */
export const CAMPAIGNS_QUEUE = 'campaigns';

export interface LetterJobData {
  campaign: string;
  authorityId: string;
  /** A test run ("<campaign>~test"): every letter goes to the run's test inbox, stored in Redis, never in the job. */
  test?: boolean;
  /** A resend: only this recipient's letter, recorded and sent under its own delivery key (e.g. "ceo~resend-1"). */
  resend?: { recipient: string; key: string };
}

export interface FanOutJobData {
  campaign: string;
}

/** BullMQ forbids ':' in custom ids; campaign and authority ids are validated to avoid it. */
export function letterJobId(campaign: string, authorityId: string): string {
  return `${campaign}-${authorityId}`;
}

/** A resend's own job: "<campaign>-<authorityId>-<key>", e.g. "2023-24-alpha-ceo~resend-1". */
export function resendJobId(campaign: string, authorityId: string, key: string): string {
  return `${campaign}-${authorityId}-${key}`;
}

/** "ceo~resend-2" -> "ceo"; a key without the suffix is its own recipient. */
export function resendRecipient(key: string): string | null {
  const at = key.indexOf('~resend-');
  return at < 0 ? null : key.slice(0, at);
}

export interface RetryPolicy {
  /** Attempts before the job fails for good. */
  attempts: number;
  /** First retry delay in ms; doubles each attempt, with up to 50% jitter. */
  backoffMs: number;
}

export function letterJobOptions(policy: RetryPolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs, jitter: 0.5 },
    // Finished jobs stay: they are the operator's record, and `run` uses them to add nothing twice.
    removeOnComplete: false,
    removeOnFail: false,
  };
}

export function openLettersQueue(connection: ConnectionOptions, prefix: string): Queue<LetterJobData> {
  return new Queue<LetterJobData>(LETTERS_QUEUE, { connection, prefix });
}

export function openCampaignsQueue(connection: ConnectionOptions, prefix: string): Queue<FanOutJobData> {
  return new Queue<FanOutJobData>(CAMPAIGNS_QUEUE, { connection, prefix });
}
