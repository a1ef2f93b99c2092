/**
 * The two queues and what their jobs carry. Jobs carry ids only; the worker
 * loads everything else from storage. A job's data is checked against its
 * schema before a worker acts on it: a job that fan-out or an operation did
 * not write (bull-board's add-job, a hand-edited job) is refused.
 */
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { AUTHORITY_ID, isRecipientKey, parseResendKey, type RetryPolicy } from '../domain/index.js';

/** One job per authority: render and send its letters. Job id "<campaign>-<authorityId>". */
export const LETTERS_QUEUE = 'letters';
/** Campaign-wide jobs: the annual scheduler's "fan-out" job lands here. */
export const CAMPAIGNS_QUEUE = 'campaigns';

const campaignId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}(~test)?$/, 'must be a campaign id');

export const letterJobSchema = z.strictObject({
  campaign: campaignId,
  authorityId: z.string().max(200).regex(AUTHORITY_ID, 'must be an authority id'),
  /** A test run ("<campaign>~test"): every letter goes to the run's test inbox, stored in Redis, never in the job. */
  test: z.literal(true).optional(),
  /** A resend: only this recipient's letter, recorded and sent under its own delivery key (e.g. "ceo~resend-1"). */
  resend: z
    .strictObject({
      recipient: z.string().refine(isRecipientKey, 'must be a recipient key'),
      key: z.string().refine((key) => parseResendKey(key) !== null, 'must be a resend key, "<recipient>~resend-N"'),
    })
    .refine((r) => parseResendKey(r.key)?.recipient === r.recipient, 'the resend key must be a resend of its recipient')
    .optional(),
});

export type LetterJobData = z.infer<typeof letterJobSchema>;

export const fanOutJobSchema = z.strictObject({ campaign: campaignId });

export type FanOutJobData = z.infer<typeof fanOutJobSchema>;

/** BullMQ forbids ':' in custom ids; campaign and authority ids are validated to avoid it. */
export function letterJobId(campaign: string, authorityId: string): string {
  return `${campaign}-${authorityId}`;
}

/** A resend's own job: "<campaign>-<authorityId>-<key>", e.g. "2023-24-alpha-ceo~resend-1". */
export function resendJobId(campaign: string, authorityId: string, key: string): string {
  return `${campaign}-${authorityId}-${key}`;
}

/** The job that sends a delivery: a resend's own job, or its authority's. */
export function jobIdOf(campaign: string, authorityId: string, recipient: string): string {
  return parseResendKey(recipient) ? resendJobId(campaign, authorityId, recipient) : letterJobId(campaign, authorityId);
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
