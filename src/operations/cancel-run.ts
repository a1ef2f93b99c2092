/**
 * Cancelling a campaign's run: its letter jobs that have not started
 * (waiting, delayed for a retry, prioritized) are removed from the letters
 * queue; nothing of any other campaign is touched. A job running right now
 * finishes its own authority. The ledger is left as it is: what was sent
 * stays sent, the rest stays owed, so a later `run` adds the removed jobs
 * again and the ledger keeps every recipient to one letter. Who cancelled,
 * and when, is kept with the campaign (until a fan-out carries the run on)
 * and written to the delivery log.
 */
import { CampaignNotStoredError, EVENT } from '../domain/index.js';
import { letterJobId } from '../schedule/queues.js';
import type { RunCancellation } from '../storage/campaign-store.js';
import type { OperationsContext } from './context.js';

export interface CancelResult {
  /** Jobs removed before they sent anything more. */
  removed: number;
  /** Jobs running now: each finishes its authority's letters. */
  running: string[];
  /** Jobs already finished (completed or failed): nothing to stop. */
  finished: number;
  cancelled: RunCancellation;
}

const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

export async function cancelCampaignRun(ctx: OperationsContext, campaignId: string, by: string): Promise<CancelResult> {
  const campaigns = ctx.storage.campaigns;
  if (!(await campaigns.version(campaignId))) throw new CampaignNotStoredError(campaignId);
  const cancelled = { by, at: Date.now() };
  // Recorded first: a console that looks meanwhile already says the run is being stopped.
  await campaigns.markCancelled(campaignId, cancelled);
  const result: CancelResult = { removed: 0, running: [], finished: 0, cancelled };
  for await (const page of campaigns.authorityPages(campaignId)) {
    const ids = page.map((a) => letterJobId(campaignId, a.id));
    const states = await Promise.all(ids.map((id) => ctx.letters.getJobState(id)));
    for (const [i, id] of ids.entries()) {
      const state = states[i]!;
      if (state === 'active') result.running.push(id);
      else if (state === 'completed' || state === 'failed') result.finished++;
      else if (NOT_STARTED.has(state)) {
        // Removing a job that a worker took a moment ago fails (it is locked): it is running.
        const removed = await ctx.letters.remove(id).catch(() => 0);
        if (removed === 1) result.removed++;
        else result.running.push(id);
      }
    }
  }
  ctx.deliveryLog.info(
    {
      event: EVENT.campaignCancelled,
      campaign: campaignId,
      by,
      removed: result.removed,
      running: result.running.length,
      finished: result.finished,
    },
    EVENT.campaignCancelled,
  );
  return result;
}

export function describeCancel(campaignId: string, r: CancelResult): string {
  return (
    `campaign ${campaignId}: removed ${r.removed} letter jobs not yet started; ` +
    `${r.running.length} running now finish their authority${r.running.length ? ` (${r.running.join(', ')})` : ''}; ${r.finished} had finished. ` +
    `Cancelled by ${r.cancelled.by}: what was sent stays sent; \`run\` again carries on and sends nothing twice`
  );
}
