/**
 * One pino root for the process, and the delivery log: every delivery attempt
 * and outcome as one JSON line, to stdout and to the DELIVERY_LOG file.
 * Event names (`delivery.sent`, `delivery.failed`, ...) are stable: code,
 * tests and dashboards key on them.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACT_PATHS = [
  'password',
  'pass',
  'auth',
  'smtpUrl',
  'redisUrl',
  'SMTP_URL',
  'REDIS_URL',
  'UI_PASSWORD',
  'UI_PASSWORD_HASH',
  'UI_READONLY_USERS',
  'UI_SESSION_SECRET',
  '*.password',
  '*.pass',
  '*.auth',
  '*.smtpUrl',
  '*.redisUrl',
  '*.SMTP_URL',
  '*.REDIS_URL',
  '*.UI_PASSWORD',
  '*.UI_PASSWORD_HASH',
  '*.UI_READONLY_USERS',
  '*.UI_SESSION_SECRET',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Hides the user and password of a URL: smtp://u:p@host -> smtp://***:***@host. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1***:***@');
}

/** Hides any credentials embedded in URLs inside free text (error messages). */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***:***@');
}

export interface LogOptions {
  level: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * The delivery logger writes to the delivery log file, which an operator keeps
 * as the audit trail of the run, and echoes to stdout. The file gets every
 * delivery line whatever LOG_LEVEL says; LOG_LEVEL governs the echo only.
 */
export function createDeliveryLogger(options: LogOptions & { file: string; echo?: boolean }): Logger {
  const file = pino.destination({ dest: options.file, mkdir: true, sync: false });
  const echo = options.echo !== false && options.level !== 'silent';
  const streams = pino.multistream([
    { level: 'info', stream: file },
    ...(echo
      ? [{ level: options.level as pino.Level, stream: options.destination ?? pino.destination({ dest: 1, sync: false }) }]
      : []),
  ]);
  return createLogger({ level: 'info', destination: streams });
}

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactText(String(err)) };
  const e = err as Error & { code?: unknown; responseCode?: unknown; command?: unknown; response?: unknown };
  return {
    type: e.name,
    message: redactText(e.message),
    code: e.code,
    responseCode: e.responseCode,
    command: e.command,
    response: typeof e.response === 'string' ? redactText(e.response) : undefined,
    stack: e.stack ? redactText(e.stack) : undefined,
  };
}
