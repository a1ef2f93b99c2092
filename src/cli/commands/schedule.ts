/**
 * `schedule`: the annual run. `schedule --data DIR` stores the approved
 * campaign and upserts its Job Scheduler; `schedule --remove --campaign ID`
 * removes one; `schedule` alone lists every scheduled campaign.
 */
import type { Config } from '../../config.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { CliError, formatFireTime, RunRefused, TIMEZONE } from '../../domain/index.js';
import { type OpenOperations, openOperations } from '../../operations/context.js';
import { listSchedules, scheduleCampaign, unscheduleCampaign } from '../../operations/schedule.js';
import { fingerprintFiles } from '../../safety/fingerprint.js';
import type { ScheduledRun } from '../../schedule/annual-scheduler.js';
import { loadValidData } from '../load-valid-data.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

export interface ScheduleOptions {
  data: string;
  cron?: string;
  /** The templates to compile, and to check against the approval. Default: the campaign folder's templates/. */
  templatesDir?: string;
  /** Who schedules it (recorded in the delivery log). Default: the operating-system user. */
  by?: string;
}

/**
 * `schedule --data DIR [--cron EXPR]`: stores the validated campaign and
 * upserts the annual Job Scheduler; when it fires, a worker fans the stored
 * campaign out exactly as `run` does. Only approved files are stored; the
 * fan-out checks the approval, and the letter date, again when it fires.
 */
export async function scheduleCommand(options: ScheduleOptions, config: Config, print: Print): Promise<ScheduledRun> {
  if (config.TEST_RECIPIENT) {
    throw new CliError(
      'TEST_RECIPIENT is set, but a scheduled run always sends to the real recipients; unset it to schedule, or use `run` for a test',
      1,
    );
  }
  const by = operatorName(options.by);
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const data = await loadValidData(options.data, { print: print.err, templatesDir });
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  const ops = await openOperations(config);
  try {
    const scheduled = await scheduleCampaign(ops, { data, templatesDir, fingerprint, by, cron: options.cron }).catch((error: unknown) => {
      throw error instanceof RunRefused ? new CliError(error.message, 1) : error;
    });
    const { approval } = scheduled.stored;
    if (approval)
      print.err(`campaign ${data.campaign.id}: approved by ${approval.by} at ${approval.at} (sha256 ${approval.sha256.slice(0, 12)}...)`);
    const run = scheduled.run;
    print.out(
      `scheduled campaign ${run.campaign}: cron "${run.cron}" (${TIMEZONE}); next run ${run.next ? formatFireTime(run.next) : 'unknown'}`,
    );
    if (scheduled.warning) print.err(`warning: the next run will refuse to send: ${scheduled.warning}`);
    await printSchedules(ops, print.err);
    return run;
  } finally {
    await ops.close();
  }
}

/** `schedule` alone: every scheduled campaign and its next fire, soonest first, on stdout. */
export async function listSchedulesCommand(config: Config, print: Print): Promise<ScheduledRun[]> {
  const ops = await openOperations(config);
  try {
    return await printSchedules(ops, print.out);
  } finally {
    await ops.close();
  }
}

async function printSchedules(ops: OpenOperations, line: (text: string) => void): Promise<ScheduledRun[]> {
  const all = await listSchedules(ops);
  if (all.length === 0) {
    line(`no campaign is scheduled (QUEUE_PREFIX ${ops.config.QUEUE_PREFIX}); schedule one with \`schedule --data DIR\``);
    return all;
  }
  line('scheduled campaigns (each fires its own fan-out):');
  for (const s of all) line(`  ${s.campaign}: cron "${s.cron}", next run ${s.next ? formatFireTime(s.next) : 'unknown'}`);
  return all;
}

/** `schedule --remove --campaign ID`: removes that campaign's scheduler only. */
export async function unscheduleCommand(options: { campaign: string; by?: string }, config: Config, print: Print): Promise<boolean> {
  const by = operatorName(options.by);
  const ops = await openOperations(config);
  try {
    const removed = await unscheduleCampaign(ops, options.campaign, by);
    if (!removed) throw new CliError(`campaign ${options.campaign} is not scheduled (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    print.out(`removed the schedule of campaign ${options.campaign}`);
    await printSchedules(ops, print.err);
    return removed;
  } finally {
    await ops.close();
  }
}
