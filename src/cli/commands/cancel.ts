import type { Config } from '../../config.js';
import { CampaignNotStoredError, CliError } from '../../domain/index.js';
import { type CancelResult, cancelCampaignRun, describeCancel } from '../../operations/cancel-run.js';
import { openOperations } from '../../operations/context.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

/** `cancel --campaign ID [--by NAME]`: removes the campaign's letter jobs that have not started; other campaigns are untouched. */
export async function cancelCommand(options: { campaign: string; by?: string }, config: Config, print: Print): Promise<CancelResult> {
  const by = operatorName(options.by);
  const ops = await openOperations(config);
  try {
    const result = await cancelCampaignRun(ops, options.campaign, by).catch((error: unknown) => {
      if (error instanceof CampaignNotStoredError)
        throw new CliError(`campaign ${options.campaign} is not stored (QUEUE_PREFIX ${config.QUEUE_PREFIX}); nothing to cancel`, 1);
      throw error;
    });
    print.out(describeCancel(options.campaign, result));
    return result;
  } finally {
    await ops.close();
  }
}
