import type { Config } from '../../config.js';
import { formatTotals, type CampaignTotals } from '../../ledger/totals.js';
import { checkDurability } from '../../redis-durability.js';
import { attachmentReader } from '../../data/attachments-folder.js';
import { compileLetter } from '../../render/letter-renderer.js';
import { fanOut, type FanOutResult } from '../../schedule/fan-out.js';
import type { CampaignSnapshot } from '../../storage/campaign-store.js';
import { fingerprintFiles, type Fingerprint } from '../../safety/fingerprint.js';
import { CliError, RunRefused } from '../../domain/index.js';
import { storeApprovedCampaign, storeTestCampaign } from '../../safety/run-guard.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { loadValidData, type ValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { openProducer, type Producer } from '../producer.js';
import { watchCampaign } from '../progress.js';

export interface RunOptions {
  data: string;
  skipInvalid?: boolean;
  /** Wait for the workers and show progress until every letter job has finished. Default true. */
  wait?: boolean;
  signal?: AbortSignal;
  /** Test mode: every letter of this run goes to this one inbox, marked as a test. Default TEST_RECIPIENT. */
  testTo?: string;
  /** The templates to compile, and to check against the approval. Default: the campaign folder's templates/. */
  templatesDir?: string;
}

/** What `enqueueCampaign` needs besides the data. */
export interface EnqueueOptions extends Pick<RunOptions, 'wait' | 'signal' | 'testTo' | 'templatesDir'> {
  /** The data files and templates as they are now (`fingerprintFiles`): a real run goes ahead only if they were approved. */
  fingerprint: Fingerprint;
  /** Warn (or refuse, with REQUIRE_DURABLE_REDIS=1) when Redis may lose the ledger. Default true; the demo's throwaway Redis skips it. */
  checkDurability?: boolean;
}

export interface RunResult extends FanOutResult {
  campaign: string;
  totals?: CampaignTotals;
}

/**
 * `run --data DIR`: validate, check the files are the approved ones (unless
 * this is a test run), store exactly what was validated, then add one job per
 * authority. Jobs that exist already are not added again.
 */
export async function runCommand(options: RunOptions, config: Config, print: Print): Promise<RunResult> {
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const data = await loadValidData(options.data, { skipInvalid: options.skipInvalid, print: print.err, templatesDir });
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  return enqueueCampaign(data, { ...options, templatesDir, testTo: options.testTo ?? config.TEST_RECIPIENT, fingerprint }, config, print);
}

/** Stores the validated data set, fans it out, and (unless told not to) follows it to the end. */
export async function enqueueCampaign(
  data: ValidData,
  options: EnqueueOptions,
  config: Config,
  print: Print,
): Promise<RunResult> {
  const producer = await openProducer(config);
  try {
    if (options.checkDurability !== false) await checkDurability(producer.redis, config, (problem) => print.err(`warning: ${problem}`));
    const letter = await compileLetter(data.campaign, { templatesDir: options.templatesDir });
    const campaignId = await storeForRun(producer, { campaign: data.campaign, authorities: data.authorities, letter, readAttachment: attachmentReader(data.dir) }, options, config, print);
    const ledger = producer.ledger(campaignId);
    const result = await fanOut({
      queue: producer.letters,
      redis: producer.redis,
      store: producer.store,
      ledger,
      campaignId,
      policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
    });
    print.out(`campaign ${campaignId}: ${result.added} jobs added, ${result.existing} already existed`);
    if (options.wait === false) return { campaign: campaignId, ...result };

    if ((await producer.letters.getWorkersCount()) === 0) {
      print.err('no worker is connected yet: start one with `annual-review-mailer worker`. Waiting (Ctrl-C stops waiting, not the run)...');
    }
    const totals = await watchCampaign({ ledger, queue: producer.letters, authorities: data.authorities.length, signal: options.signal });
    print.out(formatTotals(totals));
    return { campaign: campaignId, ...result, totals };
  } finally {
    await producer.close();
  }
}

/** A test run, or a real run of approved files; a refusal stores and enqueues nothing. */
async function storeForRun(producer: Producer, snapshot: CampaignSnapshot, options: EnqueueOptions, config: Config, print: Print): Promise<string> {
  try {
    if (options.testTo) {
      // The test notice is the package's (templates/test-mode), the same for every campaign.
      const test = await storeTestCampaign(producer, snapshot, options.testTo, config);
      print.err(`test run: every letter goes to ${options.testTo} only, marked [TEST]; recorded as campaign ${test.campaignId}, so the real run still sends everything`);
      return test.campaignId;
    }
    const { campaignId, approval } = await storeApprovedCampaign(producer, snapshot, options.fingerprint, config);
    print.err(`campaign ${campaignId}: approved by ${approval.by} at ${approval.at} (sha256 ${approval.sha256.slice(0, 12)}...)`);
    return campaignId;
  } catch (error) {
    if (error instanceof RunRefused) throw new CliError(error.message, 1);
    throw error;
  }
}
