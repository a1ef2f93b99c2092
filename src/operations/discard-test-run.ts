/**
 * Makes way for a new test run: the previous one's finished jobs are removed
 * (their ids would otherwise stop the new jobs being added) and its ledger
 * namespace emptied, so every letter of the new run is sent again. Refuses
 * while any of its jobs is still waiting or active.
 */
import { isTestCampaign } from '../domain/index.js';
import { letterJobId } from '../schedule/queues.js';
import type { OperationsContext } from './context.js';

export async function discardFinishedTestRun(
  ctx: OperationsContext,
  testCampaign: string,
): Promise<{ removed: number } | { busy: string }> {
  // Only a test run's ledger may ever be emptied.
  if (!isTestCampaign(testCampaign)) throw new TypeError(`${testCampaign} is not a test campaign`);
  const finished = [];
  for await (const authority of ctx.storage.campaigns.authorities(testCampaign)) {
    const job = await ctx.letters.getJob(letterJobId(testCampaign, authority.id));
    if (!job) continue;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return { busy: `job ${job.id} of the previous test run is ${state}` };
    finished.push(job);
  }
  for (const job of finished) await job.remove();
  await ctx.storage.ledger(testCampaign).destroy();
  await ctx.storage.unverifiedBounces.destroy(testCampaign);
  return { removed: finished.length };
}
