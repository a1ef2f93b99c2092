/**
 * `run --data DIR`: validate, store exactly what was validated (once its
 * files are the approved ones, unless this is a test run), fan it out, then
 * follow it to the end and say what is left to do.
 */
import type { Config } from '../../config.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { CliError, describeCampaignState, describeRetryPolicy, RunRefused, retryPolicyOf, TemplateError } from '../../domain/index.js';
import type { CampaignTotals } from '../../ledger/totals.js';
import { formatTotals } from '../../ledger/totals.js';
import { type CampaignProgress, campaignProgress } from '../../operations/campaign-progress.js';
import { openOperations } from '../../operations/context.js';
import { describeFanOut, type FanOutResult, fanOut } from '../../operations/fan-out.js';
import { storeCampaign } from '../../operations/store-campaign.js';
import { checkDurability } from '../../redis-durability.js';
import { type Fingerprint, fingerprintFiles } from '../../safety/fingerprint.js';
import { pickTestSample } from '../../safety/test-sample.js';
import { loadValidData, type ValidData } from '../load-valid-data.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';
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
  /** Who runs it (recorded in the delivery log). Default: the operating-system user. */
  by?: string;
}

/** What `enqueueCampaign` needs besides the data. */
export interface EnqueueOptions extends Pick<RunOptions, 'wait' | 'signal' | 'testTo' | 'templatesDir' | 'by'> {
  /** The data files and templates as they are now (`fingerprintFiles`): a real run goes ahead only if they were approved. */
  fingerprint: Fingerprint;
  /** Warn (or refuse, with REQUIRE_DURABLE_REDIS=1) when Redis may lose the ledger. Default true; the demo's throwaway Redis skips it. */
  checkDurability?: boolean;
}

export interface RunResult extends FanOutResult {
  campaign: string;
  totals?: CampaignTotals;
}

export async function runCommand(options: RunOptions, config: Config, print: Print): Promise<RunResult> {
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const loaded = await loadValidData(options.data, { skipInvalid: options.skipInvalid, print: print.err, templatesDir });
  const testTo = options.testTo ?? config.TEST_RECIPIENT;
  const data = options.sample === undefined ? loaded : sampleForTest(loaded, options.sample, testTo, print);
  if (options.dryRun) {
    printDryRun(data, testTo, print);
    return { campaign: data.campaign.id, added: 0, restored: 0, requeued: 0, existing: 0 };
  }
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  return enqueueCampaign(data, { ...options, templatesDir, testTo, fingerprint }, config, print);
}

/** Stores the validated data set, fans it out, and (unless told not to) follows it to the end. */
export async function enqueueCampaign(data: ValidData, options: EnqueueOptions, config: Config, print: Print): Promise<RunResult> {
  const by = operatorName(options.by);
  const ops = await openOperations(config);
  try {
    if (options.checkDurability !== false) await checkDurability(ops.storage.redis, config, (problem) => print.err(`warning: ${problem}`));
    const stored = await storeCampaign(ops, {
      data,
      templatesDir: options.templatesDir ?? campaignTemplatesDir(data.dir),
      fingerprint: options.fingerprint,
      by,
      testTo: options.testTo,
    }).catch((error: unknown) => {
      if (error instanceof RunRefused) throw new CliError(error.message, 1);
      throw error instanceof TemplateError ? new CliError(`${error.message}; nothing was enqueued`, 1) : error;
    });
    const campaignId = stored.campaignId;
    if (stored.test) {
      print.err(
        `test run: every letter goes to ${stored.test.to} only, marked [TEST]; recorded as campaign ${campaignId}, so the real run still sends everything`,
      );
    }
    if (stored.approval) {
      const a = stored.approval;
      print.err(`campaign ${campaignId}: approved by ${a.by} at ${a.at} (sha256 ${a.sha256.slice(0, 12)}...)`);
    }
    const result = await fanOut(ops, { campaignId, by });
    print.out(`campaign ${campaignId}: ${describeFanOut(result)}`);
    print.err(retrySettingsLine(config));
    if (options.wait === false) return { campaign: campaignId, ...result };

    if ((await ops.letters.getWorkersCount()) === 0) {
      print.err('no worker is connected yet: start one with `annual-review-mailer worker`. Waiting (Ctrl-C stops waiting, not the run)...');
    }
    const totals = await watchCampaign({
      ledger: ops.storage.ledger(campaignId),
      queue: ops.letters,
      campaignId,
      authorities: data.authorities.length,
      signal: options.signal,
      relay: () => ops.storage.breaker.read(),
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
      const progress = await campaignProgress(ops, campaignId);
      for (const line of nextSteps(campaignId, totals, progress, data.dir)) print.err(line);
      throw new CliError(`campaign ${campaignId}: ${unsent} of ${totals.deliveries} deliveries not sent`, 1);
    }
    return { campaign: campaignId, ...result, totals };
  } finally {
    await ops.close();
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
    `each letter job: ${describeRetryPolicy(retryPolicyOf(config))} ` +
    `(SEND_ATTEMPTS and BACKOFF_MS as set for this run, fixed into each job; a worker's own values do not change them)`
  );
}

/** What an operator does about deliveries a finished run did not send, by what became of them. */
export function nextSteps(campaignId: string, totals: CampaignTotals, progress: CampaignProgress | null, dataDir: string): string[] {
  const cli = 'annual-review-mailer';
  const state = progress?.state;
  if (state?.state === 'cancelled') {
    return [
      `campaign ${campaignId} was ${describeCampaignState(state)}. Next:`,
      `  ${cli} report --campaign ${campaignId} --gaps gaps.csv     # what is still owed`,
      `  ${cli} run --data ${dataDir}     # carries the run on: adds back the cancelled jobs, sends nothing twice`,
    ];
  }
  const lines = [
    `not every delivery was sent: ${totals.bounced} bounced, ${totals.permanentFailures} permanent failures, ${totals.temporaryFailures} temporary failures, ${totals.pending} pending. Next:`,
    `  ${cli} report --campaign ${campaignId} --gaps gaps.csv     # what is still owed, with the relay's answers`,
  ];
  if (totals.bounced > 0) {
    lines.push(
      `  ${cli} readdress --campaign ${campaignId} --authority ID --recipient KEY --email NEW --by NAME   # a bounced letter, to a corrected address (the gaps file lists them)`,
    );
  }
  if (totals.permanentFailures > 0) {
    lines.push(
      `  ${cli} retry --campaign ${campaignId} --status permanent-failure --by NAME   # after fixing their cause (addresses, relay)`,
    );
  }
  if (totals.temporaryFailures > 0) {
    lines.push(`  ${cli} retry --campaign ${campaignId} --status temporary-failure --by NAME   # once the relay answers again`);
  }
  if (totals.pending > 0) {
    lines.push(
      `  ${cli} run --data ${dataDir}   # gives a job back to every authority still owed a letter whose job is gone; sends nothing twice`,
    );
  }
  return lines;
}
