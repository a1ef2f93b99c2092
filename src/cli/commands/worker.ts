import type { Config } from '../../config.js';
import { createLogger } from '../../logger.js';
import { startWorkerProcess } from '../../../workers/worker-process.js';

/**
 * `worker`: consume the letters and campaigns queues until SIGINT or SIGTERM,
 * then shut down in order without losing or half-sending anything.
 */
export async function workerCommand(config: Config): Promise<void> {
  const log = createLogger({ level: config.LOG_LEVEL });
  const worker = startWorkerProcess(config, { log });
  await worker.ready;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ event: 'worker.signal', signal }, `received ${signal}`);
      worker.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
