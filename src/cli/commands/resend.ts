import type { Config } from '../../config.js';
import { CliError, ResendRefused } from '../../domain/index.js';
import { openOperations } from '../../operations/context.js';
import { type ResendResult, resendLetter } from '../../operations/resend.js';
import type { Print } from '../print.js';

export interface ResendOptions {
  campaign: string;
  authority: string;
  recipient: string;
  by: string;
  reason: string;
}

/** `resend --campaign ID --authority A --recipient R --by NAME --reason TEXT`: a new delivery of a letter already sent. */
export async function resendCommand(options: ResendOptions, config: Config, print: Print): Promise<ResendResult> {
  const ops = await openOperations(config);
  try {
    const result = await resendLetter(ops, {
      campaignId: options.campaign,
      authorityId: options.authority,
      recipient: options.recipient,
      by: options.by,
      reason: options.reason,
    });
    print.out(
      `resend of ${options.authority}/${options.recipient} recorded as delivery ${options.authority}/${result.key}, Message-ID ${result.messageId} (the first was ${result.resendOf}); job ${result.jobId} sends it`,
    );
    return result;
  } catch (error) {
    if (error instanceof ResendRefused) throw new CliError(error.message, 1);
    throw error;
  } finally {
    await ops.close();
  }
}
