/**
 * How often, and how patiently, a letter job is tried: SEND_ATTEMPTS and
 * BACKOFF_MS as set where the job is added (`run`, the scheduler's fan-out, an
 * operator's retry), fixed into the job. Read from the settings here only.
 */
export interface RetryPolicy {
  /** Attempts before the job fails for good. */
  attempts: number;
  /** First retry delay in ms; doubles each attempt, with up to 50% jitter. */
  backoffMs: number;
}

export function retryPolicyOf(settings: { SEND_ATTEMPTS: number; BACKOFF_MS: number }): RetryPolicy {
  return { attempts: settings.SEND_ATTEMPTS, backoffMs: settings.BACKOFF_MS };
}

/** What an operator reads: "up to 8 attempts, first retry after 5000 ms, doubling". */
export function describeRetryPolicy(policy: RetryPolicy): string {
  return `up to ${policy.attempts} attempts, first retry after ${policy.backoffMs} ms, doubling`;
}
