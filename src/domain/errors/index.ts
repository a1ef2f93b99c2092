/** Every error the code throws for an operator to read, one class a file (BullMQ's src/classes/errors/ is the model). */
import { ActionRefused } from './action-refused.js';
import { CampaignNotStoredError } from './campaign-not-stored-error.js';
import { CliError } from './cli-error.js';
import { ConfigError } from './config-error.js';
import { DataSetError } from './data-set-error.js';
import { EvidenceRefused } from './evidence-refused.js';
import { JobRefused } from './job-refused.js';
import { PdfPrintError } from './pdf-print-error.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';
import { RegistrationError } from './registration-error.js';
import { RenderError } from './render-error.js';
import { ResendRefused } from './resend-refused.js';
import { RunRefused } from './run-refused.js';
import { TemplateError } from './template-error.js';

export * from './action-refused.js';
export * from './campaign-not-stored-error.js';
export * from './cli-error.js';
export * from './config-error.js';
export * from './data-set-error.js';
export * from './evidence-refused.js';
export * from './job-refused.js';
export * from './pdf-print-error.js';
export * from './redis-unavailable-error.js';
export * from './registration-error.js';
export * from './render-error.js';
export * from './resend-refused.js';
export * from './run-refused.js';
export * from './template-error.js';

const OPERATOR_ERRORS = [
  ActionRefused,
  CampaignNotStoredError,
  CliError,
  ConfigError,
  DataSetError,
  EvidenceRefused,
  JobRefused,
  PdfPrintError,
  RedisUnavailableError,
  RegistrationError,
  RenderError,
  ResendRefused,
  RunRefused,
  TemplateError,
];

/** Whether `error` is one of these: an expected failure an operator reads and acts on, not a bug. */
export function isOperatorError(error: unknown): error is Error {
  return OPERATOR_ERRORS.some((kind) => error instanceof kind);
}
