/**
 * Starts a real (not test-mode) run of a data set the way an operator does:
 * approve the files, then `run --no-wait`. The fault-injection suite and the
 * exactly-once tests send to every real (loopback, fictional) recipient, so
 * they need the approval a real run needs.
 */
import { type RunResult, runCommand } from '../src/cli/commands/run.js';
import type { Config } from '../src/config.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { closeRedis, connectProducer, redisTarget } from '../src/redis.js';
import { createApproval } from '../src/safety/approval.js';
import { fingerprintFiles } from '../src/safety/fingerprint.js';
import { ApprovalStore } from '../src/storage/approval-store.js';

const quiet = { out: () => {}, err: () => {} };

/** Records an approval of the files in `dataDir` as they are now, by `by`. */
export async function approveDataSet(config: Config, dataDir: string, by = 'exactly-once suite'): Promise<string> {
  const loaded = await loadDataSet(dataDir);
  if (!loaded.dataSet) throw new Error(`${dataDir} does not validate: ${loaded.problems.length} problem(s)`);
  const campaign = loaded.dataSet.campaign.id;
  const redis = await connectProducer(redisTarget(config));
  try {
    await new ApprovalStore(redis, config.QUEUE_PREFIX).save(createApproval(campaign, by, await fingerprintFiles(dataDir)));
  } finally {
    await closeRedis(redis);
  }
  return campaign;
}

/** Approves, then enqueues one job per authority without waiting for them. */
export async function approveAndRun(config: Config, dataDir: string): Promise<RunResult> {
  await approveDataSet(config, dataDir);
  return runCommand({ data: dataDir, wait: false, testTo: undefined }, { ...config, TEST_RECIPIENT: undefined }, quiet);
}
