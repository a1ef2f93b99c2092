/**
 * The ledger: one record per (campaign, authority, recipient) in Redis, the
 * single source of truth for "has this person been sent this letter?".
 *
 *   queued -> sending -> sent | temporary-failure | permanent-failure
 *   sent -> bounced                      (a DSN came back to the letter's VERP address)
 *   bounced | permanent-failure -> queued (an operator's readdress, to a new address)
 *
 * Every change of status is a Lua script, so a check and the write that follows
 * it are one atomic step: two workers (or a retried job and a stalled one)
 * can never both hold a claim on the same recipient. A claim is a lease: when
 * its worker dies, another may recover it once the lease has run out.
 *
 * Layout (one hash per campaign namespace, so a report is one HSCAN):
 *   <prefix>:ledger:<namespace>         field "<authorityId>/<recipientKey>" -> JSON record
 *   <prefix>:ledger:<namespace>:counts  field status -> number of records in it
 *
 * It lives in storage, below the stages, because three stages share it: the
 * fan-out (schedule) seeds it, the send stage claims and finishes in it, and
 * the ledger stage (src/ledger) reads it back as totals and reports. Kept in
 * src/ledger it would make schedule and send import upwards.
 */
import type { Redis } from 'ioredis';
import type { DeliveryRecord, NewDelivery, RecipientKey } from '../domain/index.js';
import { deliveryField, LedgerReads } from './ledger-reads.js';
import { decodeDeliveryRecord, encodeDeliveryRecord, encodeQueuedDeliveryHead, encodeResendDeliveryHead } from './records.js';
import { type ReplicaAck, replicaAckFor } from './replica-ack.js';
import { type StorageCommands, withStorageCommands } from './scripts.js';

export { deliveryField };

export type ClaimResult =
  | {
      outcome: 'claimed';
      record: DeliveryRecord;
      /** Set only when this claim took over an expired one: the owner that never finished. */
      recoveredFrom?: string;
    }
  | { outcome: 'already-sent'; record: DeliveryRecord }
  | { outcome: 'permanent-failure'; record: DeliveryRecord }
  | {
      outcome: 'held-by-other';
      record: DeliveryRecord;
      /** How long the live claim has left (Redis clock): when to look again. */
      retryInMs: number;
    }
  /** Claimed, but no replica acknowledged the claim: a failover could forget it, so it must not guard a send. */
  | { outcome: 'unacknowledged'; record: DeliveryRecord };

export interface LedgerOptions {
  /**
   * REPLICA_ACK_TIMEOUT_MS: how long a claim and an outcome wait for a
   * replica's acknowledgement (WAIT) when the primary has replicas. Default 0:
   * no waiting (tools that read the ledger, and a Redis with no replica).
   */
  replicaAckTimeoutMs?: number;
}

/** Times an outcome is written and waited for again before it is logged as unacknowledged. */
const OUTCOME_ACK_ATTEMPTS = 3;

type FinalStatus = 'sent' | 'temporary-failure' | 'permanent-failure';

/** What an outcome records besides its status: the relay's answer, and the message handed to it (DeliveryRecord's fields). */
export type OutcomePatch = Partial<Pick<DeliveryRecord, 'response' | 'messageId' | 'sha256' | 'approvalSha256' | 'queueId'>>;

/** The ledger of one namespace: its reads (LedgerReads) and every change of status. */
export class Ledger extends LedgerReads {
  private readonly scripts: Redis & StorageCommands;
  private readonly ack: ReplicaAck;

  constructor(redis: Redis, prefix: string, namespace: string, options: LedgerOptions = {}) {
    super(redis, prefix, namespace);
    // Every change of status is a script in src/storage/lua/ledger-*-2.lua.
    this.scripts = withStorageCommands(redis);
    this.ack = replicaAckFor(redis, options.replicaAckTimeoutMs ?? 0);
  }

  /** Records each delivery as queued unless it already has a record. Returns how many were new. */
  async seed(deliveries: NewDelivery[]): Promise<number> {
    let added = 0;
    const chunk = 1000;
    for (let i = 0; i < deliveries.length; i += chunk) {
      let lines = '';
      for (const d of deliveries.slice(i, i + chunk)) {
        const field = deliveryField(d.authorityId, d.recipient);
        // Ids are validated long before this; the script's format depends on it.
        if (/[\t\n]/.test(field)) throw new Error(`ledger field ${JSON.stringify(field)} contains a tab or line break`);
        lines += `${field}\t${encodeQueuedDeliveryHead(d)}\n`;
      }
      added += await this.scripts.arm_ledger_seed(this.key, this.countsKey, lines);
    }
    return added;
  }

  /**
   * Records a resend as a new queued delivery, with who asked, why, and the
   * original's Message-ID. Returns false when that key already has a record.
   */
  async seedResend(d: NewDelivery, note: { resendOf: string; resentBy: string; resendReason: string }): Promise<boolean> {
    const field = deliveryField(d.authorityId, d.recipient);
    if (/[\t\n]/.test(field)) throw new Error(`ledger field ${JSON.stringify(field)} contains a tab or line break`);
    const head = encodeResendDeliveryHead(d, note);
    return (await this.scripts.arm_ledger_seed(this.key, this.countsKey, `${field}\t${head}\n`)) === 1;
  }

  /**
   * Takes the right to send to one recipient, atomically. Only a `claimed`
   * outcome allows a send; the caller must then call `finish` with the same owner.
   * With replicas, a claim no replica acknowledged is `unacknowledged`: the
   * caller must `release` it and send nothing.
   */
  async claim(delivery: NewDelivery, owner: string, leaseMs: number): Promise<ClaimResult> {
    const mark = this.ack.mark();
    const [outcome, json, extra] = await this.scripts.arm_ledger_claim(
      this.key,
      this.countsKey,
      deliveryField(delivery.authorityId, delivery.recipient),
      encodeDeliveryRecord(delivery),
      owner,
      String(leaseMs),
    );
    const record = decodeDeliveryRecord(json);
    switch (outcome) {
      case 'claimed':
        if (!(await this.ack.acknowledged(mark))) return { outcome: 'unacknowledged', record };
        return extra ? { outcome, record, recoveredFrom: extra } : { outcome, record };
      case 'held-by-other':
        return { outcome, record, retryInMs: Math.max(0, Number(extra) || 0) };
      case 'already-sent':
      case 'permanent-failure':
        return { outcome, record };
      default:
        throw new Error(`ledger claim script returned an unknown outcome: ${outcome}`);
    }
  }

  /**
   * Pushes this owner's lease forward (while a send is in flight). Returns
   * false when the claim is no longer this owner's.
   */
  async extend(authorityId: string, recipient: RecipientKey, owner: string, leaseMs: number): Promise<boolean> {
    const extended = await this.scripts.arm_ledger_extend(
      this.key,
      this.countsKey,
      deliveryField(authorityId, recipient),
      owner,
      String(leaseMs),
    );
    return extended === 1;
  }

  /**
   * Records the outcome of a claimed send. `ownedClaim` is false when the
   * claim had already passed to another worker (this one outlived its lease).
   * With replicas, the outcome is written again (the script is idempotent for
   * its owner) until a replica acknowledges it, a few times at most:
   * `acknowledged` false means a failover now could roll it back to `sending`.
   */
  async finish(
    authorityId: string,
    recipient: RecipientKey,
    owner: string,
    status: FinalStatus,
    patch: OutcomePatch,
  ): Promise<{ ownedClaim: boolean; record: DeliveryRecord; acknowledged: boolean }> {
    let first: { ownedClaim: boolean; record: DeliveryRecord } | undefined;
    let last: DeliveryRecord | undefined;
    for (let attempt = 1; ; attempt++) {
      const mark = this.ack.mark();
      let acknowledged = false;
      try {
        const written = await this.writeOutcome(authorityId, recipient, owner, status, patch);
        first ??= written;
        last = written.record;
        acknowledged = await this.ack.acknowledged(mark);
      } catch (error) {
        // The connection died under the write (a failover): the next attempt goes to the new primary,
        // where this claim may have rolled back to `sending`; writing the outcome there is what keeps
        // the letter from being sent again when the lease runs out.
        if (attempt >= OUTCOME_ACK_ATTEMPTS || !this.ack.enabled) throw error;
      }
      if (first && last && (acknowledged || attempt >= OUTCOME_ACK_ATTEMPTS)) return { ...first, record: last, acknowledged };
    }
  }

  /**
   * Gives back a claim that must not guard a send (unacknowledged, or aged
   * past half its lease): `temporary-failure`, so any worker may claim afresh.
   * Not waited for: if a failover forgets it, the claim's lease runs out instead.
   */
  async release(authorityId: string, recipient: RecipientKey, owner: string, response: string): Promise<void> {
    await this.writeOutcome(authorityId, recipient, owner, 'temporary-failure', { response });
  }

  private async writeOutcome(
    authorityId: string,
    recipient: RecipientKey,
    owner: string,
    status: FinalStatus,
    patch: OutcomePatch,
  ): Promise<{ ownedClaim: boolean; record: DeliveryRecord }> {
    const [owned, json] = await this.scripts.arm_ledger_finish(
      this.key,
      this.countsKey,
      deliveryField(authorityId, recipient),
      owner,
      status,
      encodeDeliveryRecord(patch),
    );
    return { ownedClaim: owned === '1', record: decodeDeliveryRecord(json) };
  }

  /**
   * An operator's decision to try a failed delivery again: back to queued,
   * recording who asked (`retriedBy`). Refuses sent and live claims.
   */
  async reset(authorityId: string, recipient: RecipientKey, by = ''): Promise<{ reset: boolean; record: DeliveryRecord | null }> {
    const [done, json] = await this.scripts.arm_ledger_reset(this.key, this.countsKey, deliveryField(authorityId, recipient), by);
    return { reset: done === '1', record: json ? decodeDeliveryRecord(json) : null };
  }

  /**
   * Records a hard bounce of a sent letter. `email`, when the bounce names the
   * address that failed, must be the record's current address; `messageId`,
   * when given, its current Message-ID (the one the VERP token was checked
   * against). Returns false (and changes nothing) for anything but a `sent`
   * record of that address and Message-ID.
   */
  async bounce(
    authorityId: string,
    recipient: RecipientKey,
    patch: { diagnostic: string; email?: string; messageId?: string },
  ): Promise<{ bounced: boolean; record: DeliveryRecord | null }> {
    const [done, json] = await this.scripts.arm_ledger_bounce(
      this.key,
      this.countsKey,
      deliveryField(authorityId, recipient),
      JSON.stringify(patch),
    );
    return { bounced: done === '1', record: json ? decodeDeliveryRecord(json) : null };
  }

  /** An operator's corrected address for a bounced or permanently failed delivery: back to queued, to `email`, as `messageId`. */
  async readdress(
    authorityId: string,
    recipient: RecipientKey,
    change: { email: string; messageId: string; by: string; reason?: string },
  ): Promise<{ readdressed: boolean; record: DeliveryRecord | null }> {
    const [done, json] = await this.scripts.arm_ledger_readdress(
      this.key,
      this.countsKey,
      deliveryField(authorityId, recipient),
      JSON.stringify(change),
    );
    return { readdressed: done === '1', record: json ? decodeDeliveryRecord(json) : null };
  }

  /** Removes the namespace's records (tests, and discarding a test run). */
  async destroy(): Promise<void> {
    await this.redis.del(this.key, this.countsKey);
  }
}
