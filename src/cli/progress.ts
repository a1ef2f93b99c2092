/**
 * Watches a campaign until its letter jobs have all finished, with a progress
 * bar (cli-progress: a well-kept library, and it stays quiet when stdout is
 * not a terminal) fed from the ledger's status counts.
 */

import type { Queue } from 'bullmq';
import cliProgress from 'cli-progress';
import { type CampaignTotals, campaignTotals } from '../ledger/totals.js';
import { describeOpenBreaker } from '../send/breaker-report.js';
import type { BreakerState } from '../send/circuit-breaker.js';
import type { Ledger } from '../storage/ledger.js';

export interface WatchOptions {
  ledger: Ledger;
  queue: Queue;
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
      const jobs = await options.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const unfinished = Object.values(jobs).reduce((a, b) => a + b, 0);
      if (unfinished === 0 || options.signal?.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  } finally {
    bar.stop();
  }
  return totals;
}
