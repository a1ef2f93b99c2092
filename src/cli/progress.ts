/**
 * Watches a campaign until its letter jobs have all finished, with a progress
 * bar (cli-progress: a well-kept library, and it stays quiet when stdout is
 * not a terminal) fed from the ledger's status counts.
 */

import type { Queue } from 'bullmq';
import cliProgress from 'cli-progress';
import { type BreakerState, describeOpenBreaker } from '../domain/index.js';
import { type CampaignTotals, campaignTotals } from '../ledger/totals.js';
import { hasUnfinishedJobs } from '../schedule/campaign-jobs.js';
import type { LetterJobData } from '../schedule/queues.js';
import type { LedgerReads } from '../storage/ledger-reads.js';

export interface WatchOptions {
  ledger: LedgerReads;
  queue: Queue<LetterJobData>;
  /** Watch this campaign's jobs only; default every job of the queue. */
  campaignId?: string;
  authorities: number;
  /** How often to look. Default 250 ms. */
  intervalMs?: number;
  /** Stop waiting (e.g. on Ctrl-C); the jobs carry on without us. */
  signal?: AbortSignal;
  /** Reads the relay's circuit breaker, to show while it holds the queue. */
  relay?: () => Promise<BreakerState>;
  /** Gets a line whenever the breaker opens or closes (the bar is silent when stderr is not a terminal). */
  note?: (line: string) => void;
}

export async function watchCampaign(options: WatchOptions): Promise<CampaignTotals> {
  const bar = new cliProgress.SingleBar(
    {
      format: 'letters |{bar}| {value}/{total} done | {sent} sent, {failed} failed, {retrying} retrying{relay}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let totals = await campaignTotals(options.ledger, options.authorities);
  bar.start(totals.deliveries, 0, { sent: 0, failed: 0, retrying: 0, relay: '' });
  let relayLine: string | null = null;
  try {
    for (;;) {
      totals = await campaignTotals(options.ledger, options.authorities);
      if (options.relay) {
        const line = describeOpenBreaker(await options.relay());
        if (line !== relayLine) options.note?.(line ?? 'relay circuit breaker closed: sending again');
        relayLine = line;
      }
      bar.setTotal(totals.deliveries);
      bar.update(totals.sent + totals.permanentFailures, {
        sent: totals.sent,
        failed: totals.permanentFailures,
        retrying: totals.temporaryFailures,
        relay: relayLine ? ` | ${relayLine}` : '',
      });
      const unfinished = options.campaignId
        ? await hasUnfinishedJobs(options.queue, options.campaignId)
        : Object.values(await options.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).some((n) => n > 0);
      if (!unfinished || options.signal?.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  } finally {
    bar.stop();
  }
  return totals;
}

/**
 * Follows some letter jobs (those an operator's retry ran again) until each
 * has finished, with a bar of how many have; resolves with each job's final state.
 */
export async function followJobs(
  queue: Queue<LetterJobData>,
  jobIds: readonly string[],
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<Map<string, string>> {
  const bar = new cliProgress.SingleBar(
    { format: 'jobs |{bar}| {value}/{total} finished', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const states = new Map<string, string>();
  bar.start(jobIds.length, 0);
  try {
    for (;;) {
      const now = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
      jobIds.forEach((id, i) => void states.set(id, now[i]!));
      const finished = now.filter((s) => s === 'completed' || s === 'failed' || s === 'unknown').length;
      bar.update(finished);
      if (finished === jobIds.length || options.signal?.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  } finally {
    bar.stop();
  }
  return states;
}
