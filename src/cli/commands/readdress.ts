/**
 * `readdress`: an operator's corrected address for a letter that did not
 * arrive, recorded and sent once (src/schedule/readdress.ts, which the
 * console's "Readdress" shares). Here: the arguments, and the refusals as
 * exit codes.
 */
import { z } from 'zod';
import type { Config } from '../../config.js';
import { ActionRefused, CliError, type DeliveryRecord } from '../../domain/index.js';
import { readdressDelivery } from '../../schedule/readdress.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export interface ReaddressOptions {
  campaign: string;
  authority: string;
  recipient: string;
  email: string;
  by: string;
}

export async function readdressCommand(options: ReaddressOptions, config: Config, print: Print): Promise<DeliveryRecord> {
  if (!z.email().safeParse(options.email).success)
    throw new CliError(`--email: ${JSON.stringify(options.email)} is not one email address`, 2);
  const by = options.by.trim();
  if (!by) throw new CliError('--by: say who makes the change', 2);
  const producer = await openProducer(config);
  try {
    const ctx = {
      letters: producer.letters,
      ledger: producer.ledger(options.campaign),
      campaignId: options.campaign,
      policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
      user: by,
      from: 'the command line',
    };
    const done = await readdressDelivery(ctx, {
      authorityId: options.authority,
      recipient: options.recipient,
      email: options.email,
      allowlist: config.RECIPIENT_ALLOWLIST,
    }).catch((error: unknown) => {
      if (!(error instanceof ActionRefused)) throw error;
      throw new CliError(
        error.reason === 'not-allowed' ? `--email: ${error.message}` : error.message,
        error.reason === 'not-allowed' ? 2 : 1,
      );
    });
    print.out(
      `${options.campaign} ${options.authority}/${options.recipient}: ${done.from} -> ${options.email} by ${by}; queued as ${done.record.messageId}; letter job ${done.job.jobId}: ${done.job.action}`,
    );
    return done.record;
  } finally {
    await producer.close();
  }
}
