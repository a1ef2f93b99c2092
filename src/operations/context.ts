/**
 * What every operation works with, made once per process by its door (the
 * command line, the console, a worker process, the register server, the
 * bounce listener): storage, the two queues, the settings, and the delivery
 * log, where every operation that changes a delivery or a campaign writes
 * its one line (who, what, when).
 */

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { type RetryPolicy, retryPolicyOf } from '../domain/index.js';
import { createDeliveryLogger } from '../log/delivery-log.js';
import { closeRedis, connectProducer, redisTarget } from '../redis.js';
import { type FanOutJobData, type LetterJobData, openCampaignsQueue, openLettersQueue } from '../schedule/queues.js';
import { Storage } from '../storage/storage.js';

export interface OperationsContext {
  storage: Storage;
  letters: Queue<LetterJobData>;
  campaigns: Queue<FanOutJobData>;
  /** The settings, parsed once. */
  config: Config;
  /** SEND_ATTEMPTS and BACKOFF_MS: fixed into every letter job an operation adds. */
  policy: RetryPolicy;
  /** The audit trail: one line per change, from EVENT. */
  deliveryLog: Logger;
}

export interface CreateOperationsOptions {
  /** The process's connection: a producer's fails fast, a worker's waits for Redis. */
  redis: Redis;
  config: Config;
  /** Default: DELIVERY_LOG, written silently (no echo). */
  deliveryLog?: Logger;
  /** The queues, when the door already has them open (they are then the door's to close). */
  queues?: { letters: Queue<LetterJobData>; campaigns: Queue<FanOutJobData> };
  /** For the workers: the ledgers' claims and outcomes wait for a replica this long. Default 0. */
  replicaAckTimeoutMs?: number;
}

export interface OpenOperations extends OperationsContext {
  /** Closes what this made (queues it opened), and flushes the delivery log; not the connection. */
  close(): Promise<void>;
}

export function createOperations(options: CreateOperationsOptions): OpenOperations {
  const { redis, config } = options;
  const letters = options.queues?.letters ?? openLettersQueue(redis, config.QUEUE_PREFIX);
  const campaigns = options.queues?.campaigns ?? openCampaignsQueue(redis, config.QUEUE_PREFIX);
  // A queue repeats its connection's errors as its own 'error' event; unheard, BullMQ prints each one. The connection's own listener logs them.
  if (!options.queues) for (const queue of [letters, campaigns]) queue.on('error', () => {});
  const deliveryLog = options.deliveryLog ?? createDeliveryLogger({ level: 'silent', file: config.DELIVERY_LOG, echo: false });
  return {
    storage: new Storage(redis, config.QUEUE_PREFIX, {
      replicaAckTimeoutMs: options.replicaAckTimeoutMs,
      unverifiedBouncesMax: config.BOUNCE_UNVERIFIED_MAX,
    }),
    letters,
    campaigns,
    config,
    policy: retryPolicyOf(config),
    deliveryLog,
    async close() {
      if (!options.queues) await Promise.all([letters.close(), campaigns.close()]);
      await new Promise<void>((resolve) => deliveryLog.flush(() => resolve()));
    },
  };
}

/** A command's operations on its own producer connection (fails fast when Redis is away); `close` closes that too. */
export async function openOperations(config: Config): Promise<OpenOperations> {
  const redis = await connectProducer(redisTarget(config));
  // A command records a few changes and exits: each line is written before the next step.
  const deliveryLog = createDeliveryLogger({ level: 'silent', file: config.DELIVERY_LOG, echo: false, sync: true });
  const ops = createOperations({ redis, config, deliveryLog });
  return {
    ...ops,
    async close() {
      await ops.close();
      await closeRedis(redis);
    },
  };
}
