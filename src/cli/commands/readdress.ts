/**
 * `readdress`: an operator's corrected address for a letter that did not
 * arrive, recorded and sent once (src/operations/readdress.ts, which the
 * console's "Readdress" shares). Here: the arguments, and the refusals as
 * exit codes.
 */
import type { Config } from '../../config.js';
import { ActionRefused, CliError, type DeliveryRecord, isEmail } from '../../domain/index.js';
import { openOperations } from '../../operations/context.js';
import { readdressDelivery } from '../../operations/readdress.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

export interface ReaddressOptions {
  campaign: string;
  authority: string;
  recipient: string;
  email: string;
  by: string;
  /** Why: needed when the new address is at none of the authority's domains. */
  reason?: string;
}

export async function readdressCommand(options: ReaddressOptions, config: Config, print: Print): Promise<DeliveryRecord> {
  if (!isEmail(options.email)) throw new CliError(`--email: ${JSON.stringify(options.email)} is not one email address`, 2);
  if (!options.by.trim()) throw new CliError('--by: say who makes the change', 2);
  const reason = options.reason?.trim();
  if (reason !== undefined && (reason === '' || reason.length > 500 || /[\u0000-\u001f\u007f-\u009f]/.test(reason)))
    throw new CliError('--reason: say why, on one line of at most 500 characters', 2);
  const by = operatorName(options.by);
  const ops = await openOperations(config);
  try {
    const done = await readdressDelivery(ops, {
      campaignId: options.campaign,
      authorityId: options.authority,
      recipient: options.recipient,
      email: options.email,
      by,
      reason,
    }).catch((error: unknown) => {
      if (!(error instanceof ActionRefused)) throw error;
      if (error.reason === 'reason-needed') throw new CliError(`--${error.message}`, 2);
      throw new CliError(
        error.reason === 'not-allowed' ? `--email: ${error.message}` : error.message,
        error.reason === 'not-allowed' ? 2 : 1,
      );
    });
    print.out(
      `${options.campaign} ${options.authority}/${options.recipient}: ${done.from} -> ${options.email} by ${by}${reason ? ` (reason: ${reason})` : ''}; queued as ${done.record.messageId}; letter job ${done.job.jobId}: ${done.job.action}`,
    );
    return done.record;
  } finally {
    await ops.close();
  }
}
