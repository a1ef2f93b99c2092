/**
 * The campaigns worker: when the annual Job Scheduler fires, fan the stored
 * campaign out into one letter job per authority, exactly as `run` does;
 * unless the run must not happen (not stored, stale or early, not approved,
 * changed since approval): then it adds nothing and fails the job, saying why
 * in the log (`campaign.refused`) and in the job's log and failed reason.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { EVENT } from '../src/domain/index.js';
import { scheduledRunRefusal } from '../src/safety/scheduled-run.js';
import { type FanOutResult, fanOut } from '../src/schedule/fan-out.js';
import { CAMPAIGNS_QUEUE, type FanOutJobData, openLettersQueue } from '../src/schedule/queues.js';
import { CampaignStore } from '../src/storage/campaign-store.js';
import { Ledger } from '../src/storage/ledger.js';

export interface CampaignWorkerDeps {
  config: Config;
  connection: Redis;
  log: Logger;
}

export function startCampaignWorker(deps: CampaignWorkerDeps): { worker: Worker<FanOutJobData, FanOutResult>; close(): Promise<void> } {
  const prefix = deps.config.QUEUE_PREFIX;
  const letters = openLettersQueue(deps.connection, prefix);
  const store = new CampaignStore(deps.connection, prefix);

  const process = async (job: Job<FanOutJobData, FanOutResult>): Promise<FanOutResult> => {
    const campaignId = job.data.campaign;
    const log = deps.log.child({ campaign: campaignId, jobId: job.id });
    const refusal = await scheduledRunRefusal({
      redis: deps.connection,
      prefix,
      store,
      campaignId,
      maxAgeDays: deps.config.MAX_LETTER_AGE_DAYS,
      now: Date.now(),
    });
    if (refusal) {
      await job.log(`refused: ${refusal}`);
      log.warn({ event: EVENT.campaignRefused, reason: refusal }, `campaign.refused: ${refusal}`);
      throw new UnrecoverableError(`refused: ${refusal}`);
    }
    const result = await fanOut({
      queue: letters,
      redis: deps.connection,
      store,
      ledger: new Ledger(deps.connection, prefix, campaignId),
      campaignId,
      policy: { attempts: deps.config.SEND_ATTEMPTS, backoffMs: deps.config.BACKOFF_MS },
    });
    const line = `fan-out of ${campaignId}: ${result.added} letter jobs added, ${result.existing} already existed, ${result.repaired} repaired`;
    await job.log(line);
    log.info({ event: EVENT.campaignFannedOut, ...result }, line);
    return result;
  };

  const worker = new Worker<FanOutJobData, FanOutResult>(CAMPAIGNS_QUEUE, process, {
    connection: deps.connection,
    prefix,
    concurrency: 1,
  });
  return {
    worker,
    async close() {
      await worker.close();
      await letters.close();
    },
  };
}
