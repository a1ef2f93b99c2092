/**
 * Everything a process keeps in Redis, opened once per process on one
 * connection: the stored campaigns, the ledgers, approvals, test runs,
 * registrations, unverified bounces, the circuit breaker's and the rate
 * limiter's state, and the console's sessions. Every key is StorageKeys'; every record is encoded in
 * records.ts; no code outside src/storage talks to Redis about our own data
 * (BullMQ keeps its queues itself, under the same prefix).
 */
import type { Redis } from 'ioredis';
import { ApprovalStore } from './approval-store.js';
import { BreakerStore } from './breaker-store.js';
import { CampaignStore } from './campaign-store.js';
import { Ledger } from './ledger.js';
import { RateLimitStore } from './rate-limit-store.js';
import { RegistrationStore } from './registration-store.js';
import { RedisSessionStore } from './session-store.js';
import { TestRunStore } from './test-run-store.js';
import { UnverifiedBounceStore } from './unverified-bounce-store.js';

export interface StorageOptions {
  /**
   * REPLICA_ACK_TIMEOUT_MS for the ledgers' claims and outcomes (the workers'); default 0: no waiting
   * (tools that only read the ledger or reset it, and a Redis with no replica).
   */
  replicaAckTimeoutMs?: number;
  /** BOUNCE_UNVERIFIED_MAX: unverified bounces kept per campaign. Default 1000. */
  unverifiedBouncesMax?: number;
}

export class Storage {
  readonly campaigns: CampaignStore;
  readonly approvals: ApprovalStore;
  readonly testRuns: TestRunStore;
  readonly registrations: RegistrationStore;
  readonly breaker: BreakerStore;
  readonly rateLimit: RateLimitStore;
  readonly unverifiedBounces: UnverifiedBounceStore;
  private readonly ledgers = new Map<string, Ledger>();
  private sessionStore: RedisSessionStore | undefined;

  constructor(
    /** The connection every store shares. */
    readonly redis: Redis,
    /** QUEUE_PREFIX. */
    readonly prefix: string,
    private readonly options: StorageOptions = {},
  ) {
    this.campaigns = new CampaignStore(redis, prefix);
    this.approvals = new ApprovalStore(redis, prefix);
    this.testRuns = new TestRunStore(redis, prefix);
    this.registrations = new RegistrationStore(redis, prefix);
    this.breaker = new BreakerStore(redis, prefix);
    this.rateLimit = new RateLimitStore(redis, prefix);
    this.unverifiedBounces = new UnverifiedBounceStore(redis, prefix, options.unverifiedBouncesMax ?? 1000);
  }

  /** The ledger of one campaign namespace ("<id>", or "<id>~test" for its test run), one object per namespace. */
  ledger(namespace: string): Ledger {
    let ledger = this.ledgers.get(namespace);
    if (!ledger) {
      ledger = new Ledger(this.redis, this.prefix, namespace, { replicaAckTimeoutMs: this.options.replicaAckTimeoutMs ?? 0 });
      this.ledgers.set(namespace, ledger);
    }
    return ledger;
  }

  /** express-session's store for the console. */
  sessions(): RedisSessionStore {
    this.sessionStore ??= new RedisSessionStore(this.redis, this.prefix);
    return this.sessionStore;
  }
}
