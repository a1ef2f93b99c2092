/** Every error the code throws for an operator to read, one class a file (BullMQ's src/classes/errors/ is the model). */
export * from './action-refused.js';
export * from './campaign-not-stored-error.js';
export * from './cli-error.js';
export * from './config-error.js';
export * from './data-set-error.js';
export * from './pdf-print-error.js';
export * from './recipient-not-allowed-error.js';
export * from './redis-unavailable-error.js';
export * from './render-error.js';
export * from './resend-refused.js';
export * from './run-refused.js';
export * from './template-error.js';
