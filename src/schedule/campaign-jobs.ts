/**
 * Which letter jobs of one campaign are still to finish. The letters queue
 * holds every campaign's jobs (a test run's beside the real one's), so its
 * counts alone cannot say whether *this* campaign is still sending: this
 * looks at the unfinished jobs themselves, page by page, and stops at the
 * first of the campaign's (ids only, a page of each state at a time).
 */
import type { Queue } from 'bullmq';
import type { LetterJobData } from './queues.js';

const UNFINISHED = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;
const PAGE = 500;

/** Whether some letter job of `campaignId` is waiting, delayed or running. */
export async function hasUnfinishedJobs(letters: Queue<LetterJobData>, campaignId: string): Promise<boolean> {
  const counts = await letters.getJobCounts(...UNFINISHED);
  const longest = Math.max(0, ...Object.values(counts));
  // Job ids are "<campaign>-<authority>" (and a resend's "<campaign>-<authority>-<key>"); a test
  // run's "<campaign>~test-..." starts differently, so the prefix names exactly this campaign's.
  const prefix = `${campaignId}-`;
  for (let start = 0; start < longest; start += PAGE) {
    // Ids only (no job data), a page of each state at a time.
    const ids = await letters.getRanges([...UNFINISHED], start, start + PAGE - 1, true);
    if (ids.some((id) => id.startsWith(prefix))) return true;
  }
  return false;
}
