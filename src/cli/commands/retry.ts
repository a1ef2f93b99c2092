import { createInterface } from 'node:readline/promises';
import type { Config } from '../../config.js';
import { CliError } from '../../domain/index.js';
import { createDeliveryLogger } from '../../log/delivery-log.js';
import {
  applyRetry,
  describePlan,
  describeResult,
  planRetry,
  type RetryPlan,
  type RetryResult,
  type RetryStatus,
} from '../../schedule/retry-deliveries.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export interface RetryOptions {
  campaign: string;
  status?: RetryStatus;
  authority?: string;
  /** Only deliveries whose last SMTP reply contains this text. */
  reply?: string;
  /** Who does it: recorded in each reset record (`retriedBy`) and the delivery log. */
  by: string;
  /** Go ahead without asking (scripts). */
  yes?: boolean;
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
 * `retry --campaign ID [--status S] [--authority A] [--reply TEXT] --by NAME [--yes]`:
 * says what it will reset, asks (unless --yes), then resets those failed
 * deliveries to queued and runs their authorities' jobs again. Each job sends
 * only to its recipients not yet `sent`.
 */
export async function retryCommand(options: RetryOptions, config: Config, print: Print): Promise<RetryCommandResult> {
  if (!options.by.trim()) throw new CliError('--by: say who is retrying (recorded with each delivery)', 1);
  const producer = await openProducer(config);
  try {
    const target = { ledger: producer.ledger(options.campaign), letters: producer.letters, campaignId: options.campaign };
    if (Object.values(await target.ledger.counts()).every((n) => n === 0)) {
      throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    }
    const plan = await planRetry(target, { status: options.status, authorityId: options.authority, reply: options.reply });
    for (const line of describePlan(plan)) print.err(line);
    if (plan.deliveries.length === 0) return { plan };
    const go =
      options.yes || (await (options.confirm ?? askOnTerminal)(`reset these ${plan.deliveries.length} deliveries and send them? [y/N] `));
    if (!go) {
      print.err('nothing was reset');
      return { plan };
    }
    const deliveryLog = createDeliveryLogger({ level: 'silent', file: config.DELIVERY_LOG, echo: false });
    const result = await applyRetry(
      { ...target, policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS }, deliveryLog },
      plan,
      options.by,
    );
    await new Promise<void>((resolve) => deliveryLog.flush(() => resolve()));
    for (const line of describeResult(result)) print.out(line);
    print.err(`follow it with: annual-review-mailer report --campaign ${options.campaign} --gaps gaps.csv`);
    return { plan, result };
  } finally {
    await producer.close();
  }
}
