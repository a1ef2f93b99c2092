import type { Config } from '../../config.js';
import { CliError } from '../../domain/index.js';
import { type CancelResult, cancelCampaignRun, describeCancel } from '../../schedule/cancel-run.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

/** `cancel --campaign ID`: removes the campaign's letter jobs that have not started; other campaigns are untouched. */
export async function cancelCommand(options: { campaign: string }, config: Config, print: Print): Promise<CancelResult> {
  const producer = await openProducer(config);
  try {
    if (!(await producer.store.version(options.campaign))) {
      throw new CliError(`campaign ${options.campaign} is not stored (QUEUE_PREFIX ${config.QUEUE_PREFIX}); nothing to cancel`, 1);
    }
    const result = await cancelCampaignRun(producer.letters, producer.store, options.campaign);
    print.out(describeCancel(options.campaign, result));
    return result;
  } finally {
    await producer.close();
  }
}
