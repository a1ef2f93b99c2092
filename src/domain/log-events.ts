/**
 * Every `event` name the process log and the delivery log write, in one typed
 * list. Code, tests and dashboards key on these names, so they are a contract:
 * README's "Log events" table lists exactly these (tests/log-events.test.ts).
 * Write `log.info({ event: EVENT.deliverySent, ... })`, never the string.
 */
export const EVENT = {
  deliverySent: 'delivery.sent',
  deliveryFailed: 'delivery.failed',
  deliveryDeferred: 'delivery.deferred',
  deliverySkipped: 'delivery.skipped',
  deliveryRecovered: 'delivery.recovered',
  deliveryClaimLost: 'delivery.claim-lost',
  jobFinished: 'job.finished',
  jobDeferred: 'job.deferred',
  jobFailed: 'job.failed',
  campaignFannedOut: 'campaign.fanned-out',
  campaignRefused: 'campaign.refused',
  breakerOpen: 'breaker.open',
  breakerClosed: 'breaker.closed',
  breakerCheckFailed: 'breaker.check-failed',
  workerReady: 'worker.ready',
  workerSignal: 'worker.signal',
  workerStopping: 'worker.stopping',
  workerStopped: 'worker.stopped',
  workerShutdownTimeout: 'worker.shutdown-timeout',
  workerError: 'worker.error',
  redisError: 'redis.error',
  redisNotDurable: 'redis.not-durable',
  uiListening: 'ui.listening',
  uiStopping: 'ui.stopping',
  uiLogin: 'ui.login',
  uiLoginFailed: 'ui.login-failed',
  uiLoginRateLimited: 'ui.login-rate-limited',
  uiLogout: 'ui.logout',
  uiForbidden: 'ui.forbidden',
  uiRetryJob: 'ui.retry-job',
  uiRetryDelivery: 'ui.retry-delivery',
  uiError: 'ui.error',
  uiSessionEnded: 'ui.session-ended',
  uiBadRequest: 'ui.bad-request',
} as const;

export type LogEvent = (typeof EVENT)[keyof typeof EVENT];
