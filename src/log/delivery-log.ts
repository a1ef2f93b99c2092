/**
 * The delivery log: every delivery attempt and outcome as one JSON line, to
 * stdout and to the DELIVERY_LOG file. Event names (`delivery.sent`,
 * `delivery.failed`, ...) are stable: code, tests and dashboards key on them.
 */
import { type Logger, pino } from 'pino';
import { createLogger, FLAT_REDACT_PATHS, type LogOptions } from '../logger.js';

/**
 * The delivery logger writes to the delivery log file, which an operator keeps
 * as the audit trail of the run, and echoes to stdout. The file gets every
 * delivery line whatever LOG_LEVEL says; LOG_LEVEL governs the echo only.
 * `sync`: write each line before returning (the command line's few lines).
 */
export function createDeliveryLogger(options: LogOptions & { file: string; echo?: boolean; sync?: boolean }): Logger {
  // A long-lived process writes asynchronously; a command that records one change and exits writes at once (`sync`).
  const file = pino.destination({ dest: options.file, mkdir: true, sync: options.sync ?? false });
  const echo = options.echo !== false && options.level !== 'silent';
  const streams = pino.multistream([
    { level: 'info', stream: file },
    ...(echo ? [{ level: options.level as pino.Level, stream: options.destination ?? pino.destination({ dest: 1, sync: false }) }] : []),
  ]);
  // Its lines are flat delivery facts (deliver-letters.ts writes each field), so only top-level paths are redacted.
  return createLogger({ level: 'info', destination: streams, redact: FLAT_REDACT_PATHS });
}
