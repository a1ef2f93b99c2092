/**
 * Reading the ledger: one record, one authority's, the whole namespace in
 * pages, the status counts, and which deliveries are still owed. Every read
 * decodes through src/storage/records.ts; the writes are in ledger.ts.
 */
import type { Redis } from 'ioredis';
import { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryStatus, isOwed, type RecipientKey } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { type DeliveryProgress, decodeDeliveryProgress, decodeDeliveryRecord } from './records.js';

/** A delivery's field in its namespace's hash: "<authorityId>/<recipientKey>". */
export function deliveryField(authorityId: string, recipient: RecipientKey): string {
  return `${authorityId}/${recipient}`;
}

export class LedgerReads {
  /** The namespace's record hash. */
  readonly key: string;
  protected readonly countsKey: string;

  /**
   * @param prefix - QUEUE_PREFIX; every key starts with it.
   * @param namespace - the campaign id, or "<campaign>~test" for a test run,
   *   so that a test run never marks a real recipient as sent.
   */
  constructor(
    protected readonly redis: Redis,
    prefix: string,
    readonly namespace: string,
  ) {
    const keys = new StorageKeys(prefix);
    this.key = keys.ledger(namespace);
    this.countsKey = keys.ledgerCounts(namespace);
  }

  async get(authorityId: string, recipient: RecipientKey): Promise<DeliveryRecord | null> {
    const json = await this.redis.hget(this.key, deliveryField(authorityId, recipient));
    return json ? decodeDeliveryRecord(json) : null;
  }

  /** Every record of one authority, from a known list of recipient keys. */
  async forAuthority(authorityId: string, recipients: RecipientKey[]): Promise<DeliveryRecord[]> {
    if (recipients.length === 0) return [];
    const values = await this.redis.hmget(this.key, ...recipients.map((r) => deliveryField(authorityId, r)));
    return values.filter((v): v is string => v !== null).map(decodeDeliveryRecord);
  }

  /**
   * Of these fields, the ones still owed a letter (the domain's `isOwed`, on
   * Redis's clock): what a repairing run re-queues a job for. `recorded`: the
   * fields that have a record at all.
   */
  async owed(fields: readonly string[]): Promise<{ owed: Set<string>; recorded: Set<string> }> {
    const owed = new Set<string>();
    const recorded = new Set<string>();
    if (fields.length === 0) return { owed, recorded };
    const [[seconds, micros], values] = await Promise.all([this.redis.time(), this.redis.hmget(this.key, ...fields)]);
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    values.forEach((json, i) => {
      const record = json ? decodeDeliveryRecord(json) : null;
      if (record) recorded.add(fields[i]!);
      if (isOwed(record, now)) owed.add(fields[i]!);
    });
    return { owed, recorded };
  }

  /** Number of records in each status, kept by the scripts as they change status. */
  async counts(): Promise<Record<DeliveryStatus, number>> {
    const raw = await this.redis.hgetall(this.countsKey);
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const s of DELIVERY_STATUSES) counts[s] = Number(raw[s] ?? 0);
    return counts;
  }

  /**
   * Streams every record, in batches, without loading the whole campaign at
   * once; only one authority's when `authorityId` is given (ids hold no glob characters).
   */
  async *records(authorityId?: string): AsyncGenerator<DeliveryRecord> {
    let cursor = '0';
    do {
      const [next, flat] = authorityId
        ? await this.redis.hscan(this.key, cursor, 'MATCH', `${authorityId}/*`, 'COUNT', 1000)
        : await this.redis.hscan(this.key, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) yield decodeDeliveryRecord(flat[i]!);
    } while (cursor !== '0');
  }

  /** Status and attempts of the records at these fields (HMGET), by field; a field with no record is absent. */
  async progressOf(fields: readonly string[]): Promise<Map<string, DeliveryProgress>> {
    const progress = new Map<string, DeliveryProgress>();
    if (fields.length === 0) return progress;
    const values = await this.redis.hmget(this.key, ...fields);
    values.forEach((json, i) => {
      const found = json ? decodeDeliveryProgress(json) : null;
      if (found) progress.set(fields[i]!, found);
    });
    return progress;
  }

  /**
   * Status and attempts of every record, by field: one HSCAN in pages of
   * 5000, decoding two fields of each record only (the console's grid filter
   * over a whole campaign).
   */
  async progress(): Promise<Map<string, DeliveryProgress>> {
    const progress = new Map<string, DeliveryProgress>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', 5000);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const found = decodeDeliveryProgress(flat[i + 1]!);
        if (found) progress.set(flat[i]!, found);
      }
    } while (cursor !== '0');
    return progress;
  }
}
