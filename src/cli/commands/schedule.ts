import type { Config } from '../../config.js';
import { compileLetter } from '../../render/letter-renderer.js';
import { upsertAnnualScheduler, DEFAULT_CRON, TIMEZONE } from '../../schedule/annual-scheduler.js';
import { loadValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

/**
 * `schedule --data DIR [--cron EXPR]`: stores the validated campaign and
 * upserts the annual Job Scheduler; when it fires, a worker fans the stored
 * campaign out exactly as `run` does.
 */
export async function scheduleCommand(options: { data: string; cron?: string }, config: Config, print: Print): Promise<void> {
  const data = await loadValidData(options.data, { print: print.err });
  const producer = await openProducer(config);
  try {
    await producer.store.save({ campaign: data.campaign, authorities: data.authorities, letter: await compileLetter(data.campaign) });
    const run = await upsertAnnualScheduler(producer.campaigns, data.campaign.id, options.cron ?? DEFAULT_CRON);
    const next = run.next ? new Date(run.next).toLocaleString('en-GB', { timeZone: TIMEZONE }) : 'unknown';
    print.out(`scheduled campaign ${run.campaign}: cron "${run.cron}" (${TIMEZONE}); next run ${next} London time`);
  } finally {
    await producer.close();
  }
}
