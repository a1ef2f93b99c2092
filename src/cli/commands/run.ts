import type { Config } from '../../config.js';
import { formatTotals, type CampaignTotals } from '../../ledger/totals.js';
import { compileLetter } from '../../render/letter-renderer.js';
import { fanOut, type FanOutResult } from '../../schedule/fan-out.js';
import { loadValidData, type ValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';
import { watchCampaign } from '../progress.js';

export interface RunOptions {
  data: string;
  skipInvalid?: boolean;
  /** Wait for the workers and show progress until every letter job has finished. Default true. */
  wait?: boolean;
  signal?: AbortSignal;
}

export interface RunResult extends FanOutResult {
  campaign: string;
  totals?: CampaignTotals;
}

/**
 * `run --data DIR`: validate, store exactly what was validated, then add one
 * job per authority. Jobs that exist already are not added again.
 */
export async function runCommand(options: RunOptions, config: Config, print: Print): Promise<RunResult> {
  const data = await loadValidData(options.data, { skipInvalid: options.skipInvalid, print: print.err });
  return enqueueCampaign(data, options, config, print);
}

/** Stores the validated data set, fans it out, and (unless told not to) follows it to the end. */
export async function enqueueCampaign(
  data: ValidData,
  options: Pick<RunOptions, 'wait' | 'signal'>,
  config: Config,
  print: Print,
): Promise<RunResult> {
  const producer = await openProducer(config);
  try {
    const campaignId = data.campaign.id;
    await producer.store.save({ campaign: data.campaign, authorities: data.authorities, letter: await compileLetter(data.campaign) });
    const ledger = producer.ledger(campaignId);
    const result = await fanOut({
      queue: producer.letters,
      redis: producer.redis,
      store: producer.store,
      ledger,
      campaignId,
      policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
    });
    print.out(`campaign ${campaignId}: ${result.added} jobs added, ${result.existing} already existed`);
    if (options.wait === false) return { campaign: campaignId, ...result };

    if ((await producer.letters.getWorkersCount()) === 0) {
      print.err('no worker is connected yet: start one with `annual-review-mailer worker`. Waiting (Ctrl-C stops waiting, not the run)...');
    }
    const totals = await watchCampaign({ ledger, queue: producer.letters, authorities: data.authorities.length, signal: options.signal });
    print.out(formatTotals(totals));
    return { campaign: campaignId, ...result, totals };
  } finally {
    await producer.close();
  }
}
