import type { Config } from '../../config.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { CliError, RunRefused, TIMEZONE } from '../../domain/index.js';
import { compileLetter } from '../../render/letter-renderer.js';
import { fingerprintFiles } from '../../safety/fingerprint.js';
import { storeApprovedCampaign } from '../../safety/run-guard.js';
import { letterDateRefusal } from '../../safety/staleness.js';
import {
  cronOf,
  formatFireTime,
  listAnnualSchedulers,
  removeAnnualScheduler,
  upsertAnnualScheduler,
} from '../../schedule/annual-scheduler.js';
import { loadValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export interface ScheduleOptions {
  data: string;
  cron?: string;
  /** The templates to compile, and to check against the approval. Default: the campaign folder's templates/. */
  templatesDir?: string;
}

/**
 * `schedule --data DIR [--cron EXPR]`: stores the validated campaign and
 * upserts the annual Job Scheduler; when it fires, a worker fans the stored
 * campaign out exactly as `run` does. Only approved files are stored; the
 * fan-out checks the approval, and the letter date, again when it fires.
 */
export async function scheduleCommand(options: ScheduleOptions, config: Config, print: Print): Promise<void> {
  if (config.TEST_RECIPIENT) {
    throw new CliError(
      'TEST_RECIPIENT is set, but a scheduled run always sends to the real recipients; unset it to schedule, or use `run` for a test',
      1,
    );
  }
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const data = await loadValidData(options.data, { print: print.err, templatesDir });
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  const producer = await openProducer(config);
  try {
    const letter = await compileLetter(data.campaign, { templatesDir });
    const snapshot = { campaign: data.campaign, authorities: data.authorities, letter };
    const { approval } = await storeApprovedCampaign(producer, snapshot, fingerprint, config).catch((error: unknown) => {
      throw error instanceof RunRefused ? new CliError(error.message, 1) : error;
    });
    print.err(`campaign ${data.campaign.id}: approved by ${approval.by} at ${approval.at} (sha256 ${approval.sha256.slice(0, 12)}...)`);
    const run = await upsertAnnualScheduler(producer.campaigns, data.campaign.id, options.cron ?? cronOf(data.campaign));
    print.out(
      `scheduled campaign ${run.campaign}: cron "${run.cron}" (${TIMEZONE}); next run ${run.next ? formatFireTime(run.next) : 'unknown'}`,
    );
    const refusal = run.next === undefined ? null : letterDateRefusal(data.campaign, run.next, config.MAX_LETTER_AGE_DAYS);
    if (refusal) print.err(`warning: the next run will refuse to send: ${refusal}`);
    await printSchedules(producer.campaigns, print);
  } finally {
    await producer.close();
  }
}

async function printSchedules(queue: Parameters<typeof listAnnualSchedulers>[0], print: Print): Promise<void> {
  const all = await listAnnualSchedulers(queue);
  if (all.length === 0) return print.err('no campaign is scheduled');
  print.err(`scheduled campaigns (each fires its own fan-out):`);
  for (const s of all) print.err(`  ${s.campaign}: cron "${s.cron}", next run ${s.next ? formatFireTime(s.next) : 'unknown'}`);
}

/** `schedule --remove --campaign ID`: removes that campaign's scheduler only. */
export async function unscheduleCommand(options: { campaign: string }, config: Config, print: Print): Promise<boolean> {
  const producer = await openProducer(config);
  try {
    const removed = await removeAnnualScheduler(producer.campaigns, options.campaign);
    if (!removed) throw new CliError(`campaign ${options.campaign} is not scheduled (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    print.out(`removed the schedule of campaign ${options.campaign}`);
    await printSchedules(producer.campaigns, print);
    return removed;
  } finally {
    await producer.close();
  }
}
