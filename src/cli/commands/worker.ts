import type { Logger } from 'pino';
import { startWorkerProcess } from '../../../workers/worker-process.js';
import type { Config } from '../../config.js';
import { EVENT } from '../../domain/index.js';
import { createLogger } from '../../logger.js';
import { createRedis, redisTarget } from '../../redis.js';
import { checkDurability } from '../../redis-durability.js';

/**
 * `worker`: consume the letters and campaigns queues until SIGINT or SIGTERM,
 * then shut down in order without losing or half-sending anything.
 */
export async function workerCommand(config: Config): Promise<void> {
  const log = createLogger({ level: config.LOG_LEVEL });
  await checkWorkerRedis(config, log);
  const worker = startWorkerProcess(config, { log });
  await worker.ready;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ event: EVENT.workerSignal, signal }, `received ${signal}`);
      worker.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Warns in the log and on stderr when Redis may lose the ledger, or refuses
 * with REQUIRE_DURABLE_REDIS=1. Waits for Redis as a worker does.
 */
async function checkWorkerRedis(config: Config, log: Logger): Promise<void> {
  const redis = createRedis(redisTarget(config), 'worker');
  redis.on('error', () => {}); // reconnects on its own; the workers log connection errors
  try {
    await checkDurability(redis, config, (problem) => {
      log.warn({ event: EVENT.redisNotDurable, problem }, problem);
      process.stderr.write(`warning: ${problem}\n`);
    });
  } finally {
    redis.disconnect();
  }
}
