/**
 * A worker process: both workers, one Redis connection (and one storage on
 * it, through the operations), one SMTP pool, and
 * the ordered shutdown that loses nothing: stop taking jobs and let the active
 * ones finish (workers), then the SMTP pool, then Redis, then flush the logs.
 */
import type { Logger } from 'pino';
import { type Config, requireSmtpUrl } from '../src/config.js';
import { EVENT } from '../src/domain/index.js';
import { createDeliveryLogger } from '../src/log/delivery-log.js';
import { createOperations } from '../src/operations/context.js';
import { closeRedis, createRedis, redisTarget } from '../src/redis.js';
import { parseAddress } from '../src/send/address.js';
import { loadDkimSigning } from '../src/send/dkim.js';
import { createSmtpProvider } from '../src/send/smtp-provider.js';
import { startCampaignWorker } from './campaign-worker.js';
import { startLetterWorker } from './letter-worker.js';

export interface WorkerProcess {
  /** Resolves once both workers are connected and waiting for jobs. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WorkerProcessOptions {
  log: Logger;
  /** Also write delivery lines to stdout. Default true. */
  echoDeliveries?: boolean;
  /** How long `close` waits for active jobs before giving up. Default 30 s. */
  shutdownTimeoutMs?: number;
}

export function startWorkerProcess(config: Config, options: WorkerProcessOptions): WorkerProcess {
  const smtpUrl = requireSmtpUrl(config);
  // Before any connection: a worker with an unusable DKIM key must not start at all.
  const dkim = loadDkimSigning(config);
  const log = options.log;
  const connection = createRedis(redisTarget(config), 'worker');
  const provider = createSmtpProvider({ url: smtpUrl, maxConnections: config.SMTP_POOL_SIZE, dkim });
  const deliveryLog = createDeliveryLogger({ level: config.LOG_LEVEL, file: config.DELIVERY_LOG, echo: options.echoDeliveries });
  // Claims and outcomes wait for a replica (when there is one): a failover must not forget them.
  const ops = createOperations({ redis: connection, config, deliveryLog, replicaAckTimeoutMs: config.REPLICA_ACK_TIMEOUT_MS });

  const letters = startLetterWorker({
    config,
    connection,
    ops,
    provider,
    log,
    from: config.MAIL_FROM ? parseAddress(config.MAIL_FROM) : undefined,
  });
  const campaigns = startCampaignWorker({ connection, ops, log });
  for (const worker of [letters, campaigns]) {
    worker.on('error', (err) => log.error({ event: EVENT.workerError, err }, 'worker error'));
  }
  letters.on('failed', (job, err) =>
    log.warn({ event: EVENT.jobFailed, jobId: job?.id, attemptsMade: job?.attemptsMade, reason: err.message }, 'job.failed'),
  );
  connection.on('error', (err) => log.warn({ event: EVENT.redisError, err }, 'redis connection error; reconnecting'));

  const ready = Promise.all([letters.waitUntilReady(), campaigns.waitUntilReady()]).then(() => {
    log.info({ event: EVENT.workerReady, concurrency: config.WORKER_CONCURRENCY, prefix: config.QUEUE_PREFIX }, 'worker ready');
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const timeoutMs = options.shutdownTimeoutMs ?? 30_000;
      log.info({ event: EVENT.workerStopping, timeoutMs }, 'stopping: finishing active jobs');
      const orderly = (async () => {
        await Promise.all([letters.close(), campaigns.close()]);
        await ops.close();
        provider.close();
        await closeRedis(connection);
      })();
      const timedOut = await Promise.race([
        orderly.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
      ]);
      if (timedOut) {
        // Active jobs stay locked in Redis and another worker takes them over as stalled;
        // claims already made expire with their lease.
        log.warn({ event: EVENT.workerShutdownTimeout, timeoutMs }, 'shutdown timed out; active jobs will be recovered by another worker');
        provider.close();
        connection.disconnect();
      }
      log.info({ event: EVENT.workerStopped }, 'stopped');
      await new Promise<void>((resolve) => deliveryLog.flush(() => resolve()));
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    })());
  return { ready, close };
}
