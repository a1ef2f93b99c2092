/**
 * One pino root for the process, with secrets redacted wherever they appear.
 * Platform, not a pipeline stage: every layer may log through it. The delivery
 * log (the audit trail of a run) is the `log` stage, src/log/.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

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

/**
 * The paths for a logger whose lines are flat (every field a string or a
 * number, as the delivery log's are): the top-level ones. A `*.` path makes
 * pino look inside every field of every line, about 25 µs a line.
 */
export const FLAT_REDACT_PATHS = REDACT_PATHS.filter((path) => !path.startsWith('*.'));

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
  /** What pino blanks out; default REDACT_PATHS. */
  redact?: string[];
}

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: options.redact ?? REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
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
