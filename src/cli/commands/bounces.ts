import { startBouncesProcess } from '../../../workers/bounces-process.js';
import type { Config } from '../../config.js';
import { EVENT } from '../../domain/index.js';
import { createLogger } from '../../logger.js';

/** `bounces`: receive bounces on BOUNCE_LISTEN and/or from BOUNCE_IMAP_URL until SIGINT or SIGTERM, then shut down in order. */
export async function bouncesCommand(config: Config): Promise<void> {
  const log = createLogger({ level: config.LOG_LEVEL });
  const bounces = await startBouncesProcess(config, { log });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ event: EVENT.bouncesSignal, signal }, `received ${signal}`);
      bounces.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
