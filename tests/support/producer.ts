/**
 * What a test reads and drives directly: an installation's operations (its
 * storage and queues, as a command opens them), with short names for what
 * tests look at most.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { type OpenOperations, openOperations } from '../../src/operations/context.js';
import type { FanOutJobData, LetterJobData } from '../../src/schedule/queues.js';
import type { CampaignStore } from '../../src/storage/campaign-store.js';
import type { Ledger } from '../../src/storage/ledger.js';

export interface Producer {
  ops: OpenOperations;
  redis: Redis;
  letters: Queue<LetterJobData>;
  campaigns: Queue<FanOutJobData>;
  store: CampaignStore;
  ledger(namespace: string): Ledger;
  close(): Promise<void>;
}

export async function openProducer(config: Config): Promise<Producer> {
  const ops = await openOperations(config);
  return {
    ops,
    redis: ops.storage.redis,
    letters: ops.letters,
    campaigns: ops.campaigns,
    store: ops.storage.campaigns,
    ledger: (namespace) => ops.storage.ledger(namespace),
    close: () => ops.close(),
  };
}
