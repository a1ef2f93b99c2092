/**
 * The one place that decides whether a failed send is worth retrying.
 * nodemailer errors carry `code` (ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE, ...),
 * `responseCode` (the SMTP reply code) and `response` (the reply text).
 */
export type FailureKind = 'permanent' | 'transient';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** The SMTP reply or error text, for the ledger and the log (never credentials). */
  response: string;
  responseCode?: number;
}

/** Network and protocol faults: the relay may well accept the message on the next try. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPROTOCOL',
  // A bad login fails every send until an operator fixes SMTP_URL: keep the letters.
  'EAUTH',
  'ETLS',
]);

/** The message or its address can never be accepted as it is (nodemailer's codes). */
const PERMANENT_CODES = new Set(['EMESSAGE', 'EENVELOPE']);

export function classifySendError(error: unknown): ClassifiedFailure {
  const e = (error ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = String(e.response ?? e.message ?? error);
  if (responseCode !== undefined && responseCode >= 500) return { kind: 'permanent', response, responseCode };
  if (responseCode !== undefined && responseCode >= 400) return { kind: 'transient', response, responseCode };
  const code = typeof e.code === 'string' ? e.code : '';
  if (PERMANENT_CODES.has(code)) return { kind: 'permanent', response, responseCode };
  if (TRANSIENT_CODES.has(code)) return { kind: 'transient', response, responseCode };
  // Unknown faults are retried: a retry costs a delay, a wrong "permanent" costs a letter.
  return { kind: 'transient', response, responseCode };
}

/**
 * nodemailer resolves (does not throw) when the server refuses only some
 * recipients: their replies are in `rejectedErrors`.
 */
export function classifyRejection(rejectedError: unknown): ClassifiedFailure {
  const failure = classifySendError(rejectedError);
  // A refused recipient with no reply code is an address problem, not a network one.
  return failure.responseCode === undefined ? { ...failure, kind: 'permanent' } : failure;
}
