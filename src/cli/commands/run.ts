import type { Config } from '../../config.js';
import { attachmentReader } from '../../data/attachments-folder.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { CliError, RunRefused, TemplateError } from '../../domain/index.js';
import { type CampaignTotals, formatTotals } from '../../ledger/totals.js';
import { checkDurability } from '../../redis-durability.js';
import { compileLetter } from '../../render/letter-renderer.js';
import { type Fingerprint, fingerprintFiles } from '../../safety/fingerprint.js';
import { storeApprovedCampaign, storeTestCampaign } from '../../safety/run-guard.js';
import { pickTestSample } from '../../safety/test-sample.js';
import { type FanOutResult, fanOut } from '../../schedule/fan-out.js';
import { readBreaker } from '../../send/circuit-breaker.js';
import type { CampaignSnapshot } from '../../storage/campaign-store.js';
import { loadValidData, type ValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { openProducer, type Producer } from '../producer.js';
import { watchCampaign } from '../progress.js';
import { printDryRun } from './dry-run.js';

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
  /** List every delivery the run would make, as CSV, and enqueue nothing. */
  dryRun?: boolean;
  /** Test runs only: send N authorities that between them show every kind and every statistics case. */
  sample?: number;
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
 * authority. Jobs that exist already are not added again; an authority still
 * owed a letter whose job is missing or finished gets it back (fan-out.ts).
 */
export async function runCommand(options: RunOptions, config: Config, print: Print): Promise<RunResult> {
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const loaded = await loadValidData(options.data, { skipInvalid: options.skipInvalid, print: print.err, templatesDir });
  const testTo = options.testTo ?? config.TEST_RECIPIENT;
  const data = options.sample === undefined ? loaded : sampleForTest(loaded, options.sample, testTo, print);
  if (options.dryRun) {
    printDryRun(data, testTo, print);
    return { campaign: data.campaign.id, added: 0, existing: 0, repaired: 0 };
  }
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  return enqueueCampaign(data, { ...options, templatesDir, testTo, fingerprint }, config, print);
}

/** Stores the validated data set, fans it out, and (unless told not to) follows it to the end. */
export async function enqueueCampaign(data: ValidData, options: EnqueueOptions, config: Config, print: Print): Promise<RunResult> {
  const producer = await openProducer(config);
  try {
    if (options.checkDurability !== false) await checkDurability(producer.redis, config, (problem) => print.err(`warning: ${problem}`));
    const letter = await compileLetter(data.campaign, { templatesDir: options.templatesDir }).catch((error: unknown) => {
      throw error instanceof TemplateError ? new CliError(`${error.message}; nothing was enqueued`, 1) : error;
    });
    const campaignId = await storeForRun(
      producer,
      { campaign: data.campaign, authorities: data.authorities, letter, readAttachment: attachmentReader(data.dir) },
      options,
      config,
      print,
    );
    const ledger = producer.ledger(campaignId);
    const result = await fanOut({
      queue: producer.letters,
      redis: producer.redis,
      store: producer.store,
      ledger,
      campaignId,
      policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
    });
    print.out(
      `campaign ${campaignId}: ${result.added} jobs added, ${result.existing} already existed, ${result.repaired} repaired (a recipient still owed)`,
    );
    print.err(retrySettingsLine(config));
    if (options.wait === false) return { campaign: campaignId, ...result };

    if ((await producer.letters.getWorkersCount()) === 0) {
      print.err('no worker is connected yet: start one with `annual-review-mailer worker`. Waiting (Ctrl-C stops waiting, not the run)...');
    }
    const totals = await watchCampaign({
      ledger,
      queue: producer.letters,
      authorities: data.authorities.length,
      signal: options.signal,
      relay: () => readBreaker(producer.redis, config.QUEUE_PREFIX),
      note: print.err,
    });
    print.out(formatTotals(totals));
    if (options.signal?.aborted) {
      print.err(
        `stopped watching; the run carries on in the workers. Follow it with \`annual-review-mailer report --campaign ${campaignId}\``,
      );
      return { campaign: campaignId, ...result, totals };
    }
    const unsent = totals.deliveries - totals.sent;
    if (unsent > 0) {
      for (const line of nextSteps(campaignId, totals)) print.err(line);
      throw new CliError(`campaign ${campaignId}: ${unsent} of ${totals.deliveries} deliveries not sent`, 1);
    }
    return { campaign: campaignId, ...result, totals };
  } finally {
    await producer.close();
  }
}

/** `--sample N`: the test run's authorities, and which cases each one shows. */
function sampleForTest(data: ValidData, size: number, testTo: string | undefined, print: Print): ValidData {
  if (!testTo) throw new CliError('--sample is for test runs only: add --test-to ADDRESS (a real run sends to every authority)', 1);
  if (!Number.isInteger(size) || size < 1) throw new CliError(`--sample: a whole number of authorities, 1 or more (got ${size})`, 1);
  const sample = pickTestSample(data.authorities, data.campaign, size);
  print.err(
    `test sample: ${sample.authorities.length} of ${data.authorities.length} authorities, showing ${sample.cases.length - sample.uncovered.length} of the ${sample.cases.length} cases in the data:`,
  );
  for (const a of sample.authorities) {
    const adds = sample.reasons.get(a.id) ?? [];
    print.err(`  ${a.id} (${a.name}): ${adds.length > 0 ? adds.join(', ') : 'no new case'}`);
  }
  if (sample.uncovered.length > 0) print.err(`not shown by this sample (raise --sample): ${sample.uncovered.join(', ')}`);
  return { ...data, authorities: sample.authorities };
}

/**
 * Where a letter job's retry settings come from: `run` fixes them into each
 * job it adds (BullMQ keeps attempts and backoff with the job), so a worker's
 * own SEND_ATTEMPTS and BACKOFF_MS do not apply to these jobs.
 */
export function retrySettingsLine(config: Config): string {
  return (
    `each letter job: up to ${config.SEND_ATTEMPTS} attempts, first retry after ${config.BACKOFF_MS} ms, doubling ` +
    `(SEND_ATTEMPTS and BACKOFF_MS as set for this run, fixed into each job; a worker's own values do not change them)`
  );
}

/** What an operator does about deliveries a finished run did not send. */
export function nextSteps(campaignId: string, totals: CampaignTotals): string[] {
  const lines = [
    `not every delivery was sent: ${totals.permanentFailures} permanent failures, ${totals.temporaryFailures} temporary failures, ${totals.pending} pending. Next:`,
    `  annual-review-mailer report --campaign ${campaignId} --gaps gaps.csv     # what is still owed, with the relay's answers`,
  ];
  if (totals.permanentFailures > 0) {
    lines.push(
      `  annual-review-mailer retry --campaign ${campaignId} --status permanent-failure --by NAME   # after fixing their cause (addresses, relay)`,
    );
  }
  if (totals.temporaryFailures > 0) {
    lines.push(
      `  annual-review-mailer retry --campaign ${campaignId} --status temporary-failure --by NAME   # once the relay answers again`,
    );
  }
  if (totals.pending > 0) {
    lines.push(`  annual-review-mailer retry --campaign ${campaignId} --by NAME   # every delivery not sent, the queued ones included`);
  }
  return lines;
}

/** A test run, or a real run of approved files; a refusal stores and enqueues nothing. */
async function storeForRun(
  producer: Producer,
  snapshot: CampaignSnapshot,
  options: EnqueueOptions,
  config: Config,
  print: Print,
): Promise<string> {
  try {
    if (options.testTo) {
      // The test notice is the package's (templates/test-mode), the same for every campaign.
      const test = await storeTestCampaign(producer, snapshot, options.testTo, config);
      print.err(
        `test run: every letter goes to ${options.testTo} only, marked [TEST]; recorded as campaign ${test.campaignId}, so the real run still sends everything`,
      );
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
