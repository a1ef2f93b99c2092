/**
 * Cancelling a campaign's run: its letter jobs that have not started
 * (waiting, delayed for a retry, prioritized) are removed from the letters
 * queue; nothing of any other campaign is touched. A job running right now
 * finishes its own authority. The ledger is left as it is: what was sent
 * stays sent, the rest stays owed, so a later `run` adds the removed jobs
 * again and the ledger keeps every recipient to one letter.
 */
import type { Queue } from 'bullmq';
import type { CampaignStore } from '../storage/campaign-store.js';
import { type LetterJobData, letterJobId } from './queues.js';

export interface CancelResult {
  /** Jobs removed before they sent anything more. */
  removed: number;
  /** Jobs running now: each finishes its authority's letters. */
  running: string[];
  /** Jobs already finished (completed or failed): nothing to stop. */
  finished: number;
}

const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

export async function cancelCampaignRun(letters: Queue<LetterJobData>, store: CampaignStore, campaignId: string): Promise<CancelResult> {
  const result: CancelResult = { removed: 0, running: [], finished: 0 };
  for await (const page of store.authorityPages(campaignId)) {
    const ids = page.map((a) => letterJobId(campaignId, a.id));
    const states = await Promise.all(ids.map((id) => letters.getJobState(id)));
    for (const [i, id] of ids.entries()) {
      const state = states[i]!;
      if (state === 'active') result.running.push(id);
      else if (state === 'completed' || state === 'failed') result.finished++;
      else if (NOT_STARTED.has(state)) {
        // Removing a job that a worker took a moment ago fails (it is locked): it is running.
        const removed = await letters.remove(id).catch(() => 0);
        if (removed === 1) result.removed++;
        else result.running.push(id);
      }
    }
  }
  return result;
}

export function describeCancel(campaignId: string, r: CancelResult): string {
  return (
    `campaign ${campaignId}: removed ${r.removed} letter jobs not yet started; ` +
    `${r.running.length} running now finish their authority${r.running.length ? ` (${r.running.join(', ')})` : ''}; ${r.finished} had finished. ` +
    `What was sent stays sent; \`run\` again carries on and sends nothing twice`
  );
}
