/**
 * The domain: the nouns of the annual run and the rules every stage shares
 * (ids and their patterns, the test campaign, Message-IDs, email addresses,
 * the time zone). It imports nothing of this package outside itself.
 */
export * from './allowlist.js';
export * from './approval.js';
export * from './attachment.js';
export * from './authority.js';
export * from './authority-domains.js';
export * from './campaign.js';
export * from './campaign-state.js';
export * from './delivery.js';
export * from './email.js';
export * from './errors/index.js';
export * from './figures.js';
export * from './iso-date.js';
export * from './letter.js';
export * from './log-events.js';
export * from './message-id.js';
export * from './problem.js';
export * from './recipient-key.js';
export * from './registration.js';
export * from './relay-breaker.js';
export * from './retry-policy.js';
export * from './test-campaign.js';
export * from './test-run.js';
export * from './time-zone.js';
export * from './unverified-bounce.js';
