import type { Config } from '../../config.js';
import { CliError, ResendRefused } from '../../domain/index.js';
import { createDeliveryLogger } from '../../log/delivery-log.js';
import { type ResendResult, resendLetter } from '../../schedule/resend-letter.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export interface ResendOptions {
  campaign: string;
  authority: string;
  recipient: string;
  by: string;
  reason: string;
}

/** `resend --campaign ID --authority A --recipient R --by NAME --reason TEXT`: a new delivery of a letter already sent. */
export async function resendCommand(options: ResendOptions, config: Config, print: Print): Promise<ResendResult> {
  const producer = await openProducer(config);
  const deliveryLog = createDeliveryLogger({ level: 'silent', file: config.DELIVERY_LOG, echo: false });
  try {
    const result = await resendLetter(
      {
        ledger: producer.ledger(options.campaign),
        letters: producer.letters,
        campaignId: options.campaign,
        policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
        deliveryLog,
      },
      { authorityId: options.authority, recipient: options.recipient, by: options.by, reason: options.reason },
    );
    print.out(
      `resend of ${options.authority}/${options.recipient} recorded as delivery ${options.authority}/${result.key}, Message-ID ${result.messageId} (the first was ${result.resendOf}); job ${result.jobId} sends it`,
    );
    return result;
  } catch (error) {
    if (error instanceof ResendRefused) throw new CliError(error.message, 1);
    throw error;
  } finally {
    await new Promise<void>((resolve) => deliveryLog.flush(() => resolve()));
    await producer.close();
  }
}
