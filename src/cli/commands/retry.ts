import { createInterface } from 'node:readline/promises';
import type { Config } from '../../config.js';
import { CliError, type RetryableStatus } from '../../domain/index.js';
import { openOperations } from '../../operations/context.js';
import { applyRetry, describePlan, describeResult, planRetry, type RetryPlan, type RetryResult } from '../../operations/retry.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';
import { followJobs } from '../progress.js';

export interface RetryOptions {
  campaign: string;
  status?: RetryableStatus;
  authority?: string;
  /** Only deliveries whose last SMTP reply contains this text. */
  reply?: string;
  /** Who does it: recorded in each reset record (`retriedBy`) and the delivery log. */
  by: string;
  /** Go ahead without asking (scripts). */
  yes?: boolean;
  /** Follow the jobs run again until each has finished, then say what became of each reset delivery. Default true. */
  wait?: boolean;
  signal?: AbortSignal;
  /** Asks the operator; default a y/N question on the terminal (refused when stdin is not one). */
  confirm?: (question: string) => Promise<boolean>;
}

export interface RetryCommandResult {
  plan: RetryPlan;
  result?: RetryResult;
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError('retry asks before it resets anything, and stdin is not a terminal: add --yes to go ahead from a script', 1);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `retry --campaign ID [--status S] [--authority A] [--reply TEXT] --by NAME [--yes] [--no-wait]`:
 * says what it will reset, asks (unless --yes), then resets those failed
 * deliveries to queued and runs their jobs again, and follows those jobs to
 * the end. Each job sends only to its recipients not yet `sent`.
 */
export async function retryCommand(options: RetryOptions, config: Config, print: Print): Promise<RetryCommandResult> {
  if (!options.by.trim()) throw new CliError('--by: say who is retrying (recorded with each delivery)', 1);
  const by = operatorName(options.by);
  const ops = await openOperations(config);
  try {
    if (Object.values(await ops.storage.ledger(options.campaign).counts()).every((n) => n === 0)) {
      throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    }
    const plan = await planRetry(ops, options.campaign, { status: options.status, authorityId: options.authority, reply: options.reply });
    for (const line of describePlan(plan)) print.err(line);
    if (plan.deliveries.length === 0) return { plan };
    const go =
      options.yes || (await (options.confirm ?? askOnTerminal)(`reset these ${plan.deliveries.length} deliveries and send them? [y/N] `));
    if (!go) {
      print.err('nothing was reset');
      return { plan };
    }
    const result = await applyRetry(ops, plan, by);
    for (const line of describeResult(result)) print.out(line);
    if (options.wait === false || result.jobs.length === 0) {
      print.err(`follow it with: annual-review-mailer report --campaign ${options.campaign} --gaps gaps.csv`);
      return { plan, result };
    }
    if ((await ops.letters.getWorkersCount()) === 0) print.err('no worker is connected yet: start one with `annual-review-mailer worker`.');
    print.err(`following ${result.jobs.length} letter jobs until they finish (Ctrl-C stops following, not the jobs)...`);
    await followJobs(
      ops.letters,
      result.jobs.map((j) => j.jobId),
      { signal: options.signal },
    );
    const ledger = ops.storage.ledger(options.campaign);
    const now = await Promise.all(plan.deliveries.map((d) => ledger.get(d.authorityId, d.recipient)));
    const sent = now.filter((r) => r?.status === 'sent').length;
    print.out(`of the ${plan.deliveries.length} deliveries reset: ${sent} sent, ${plan.deliveries.length - sent} not sent`);
    for (const r of now) {
      if (r && r.status !== 'sent')
        print.err(`  ${r.authorityId}/${r.recipient} ${r.email} ${r.status}${r.response ? ` (${r.response})` : ''}`);
    }
    return { plan, result };
  } finally {
    await ops.close();
  }
}
