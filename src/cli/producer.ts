/**
 * What the producing commands (run, schedule, report, demo) open against
 * Redis, and close again: one fail-fast connection, the queues, the campaign
 * store and the ledger of one campaign.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { closeRedis, connectProducer, redisTarget } from '../redis.js';
import { type FanOutJobData, type LetterJobData, openCampaignsQueue, openLettersQueue } from '../schedule/queues.js';
import { CampaignStore } from '../storage/campaign-store.js';
import { Ledger } from '../storage/ledger.js';

export interface Producer {
  redis: Redis;
  letters: Queue<LetterJobData>;
  campaigns: Queue<FanOutJobData>;
  store: CampaignStore;
  ledger(namespace: string): Ledger;
  close(): Promise<void>;
}

export async function openProducer(config: Config): Promise<Producer> {
  const redis = await connectProducer(redisTarget(config));
  const letters = openLettersQueue(redis, config.QUEUE_PREFIX);
  const campaigns = openCampaignsQueue(redis, config.QUEUE_PREFIX);
  return {
    redis,
    letters,
    campaigns,
    store: new CampaignStore(redis, config.QUEUE_PREFIX),
    ledger: (namespace) => new Ledger(redis, config.QUEUE_PREFIX, namespace),
    async close() {
      await Promise.all([letters.close(), campaigns.close()]);
      await closeRedis(redis);
    },
  };
}
