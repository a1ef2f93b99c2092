/**
 * The campaigns worker: when the annual Job Scheduler fires, run the
 * scheduled fan-out (src/operations/scheduled-run.ts). A refusal adds
 * nothing and fails the job for good, saying why in the job's log and
 * failed reason.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENT } from '../src/domain/index.js';
import type { OperationsContext } from '../src/operations/context.js';
import { describeFanOut, type FanOutResult } from '../src/operations/fan-out.js';
import { runScheduledFanOut } from '../src/operations/scheduled-run.js';
import { CAMPAIGNS_QUEUE, type FanOutJobData, fanOutJobSchema } from '../src/schedule/queues.js';

export interface CampaignWorkerDeps {
  connection: Redis;
  ops: OperationsContext;
  log: Logger;
}

export function startCampaignWorker(deps: CampaignWorkerDeps): Worker<FanOutJobData, FanOutResult> {
  const process = async (job: Job<FanOutJobData, FanOutResult>): Promise<FanOutResult> => {
    const parsed = fanOutJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('refused: not a fan-out job this installation wrote (it names no campaign id)');
    const campaignId = parsed.data.campaign;
    const log = deps.log.child({ campaign: campaignId, jobId: job.id });
    const outcome = await runScheduledFanOut(deps.ops, campaignId);
    if ('refused' in outcome) {
      await job.log(`refused: ${outcome.refused}`);
      log.warn({ event: EVENT.campaignRefused, reason: outcome.refused }, `campaign.refused: ${outcome.refused}`);
      throw new UnrecoverableError(`refused: ${outcome.refused}`);
    }
    const line = `fan-out of ${campaignId}: ${describeFanOut(outcome.result)}`;
    await job.log(line);
    log.info({ event: EVENT.campaignFannedOut, ...outcome.result }, line);
    return outcome.result;
  };

  return new Worker<FanOutJobData, FanOutResult>(CAMPAIGNS_QUEUE, process, {
    connection: deps.connection,
    prefix: deps.ops.config.QUEUE_PREFIX,
    concurrency: 1,
  });
}
