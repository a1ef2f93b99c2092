/**
 * Every delivery's status of one campaign, for the campaign page's filters.
 * A ledger of 100k authorities takes seconds to read, so the last complete
 * read is served while a newer one is on its way (fresh for at least a
 * second, and twice what the read took); the rows of the page shown are
 * always read fresh.
 */
import type { DeliveryProgress } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';

export type Snapshot = Map<string, DeliveryProgress>;

interface SnapshotEntry {
  /** The last complete read of the ledger, and when it finished. */
  current?: Snapshot;
  at: number;
  ttlMs: number;
  loading?: Promise<Snapshot>;
}

export class LedgerSnapshots {
  private readonly snapshots = new Map<string, SnapshotEntry>();

  constructor(private readonly storage: Storage) {}

  get(campaignId: string): Promise<Snapshot> {
    let entry = this.snapshots.get(campaignId);
    if (!entry) {
      entry = { at: 0, ttlMs: 1000 };
      this.snapshots.set(campaignId, entry);
    }
    const e = entry;
    if (!e.loading && Date.now() - e.at >= e.ttlMs) {
      const started = Date.now();
      e.loading = this.storage
        .ledger(campaignId)
        .progress()
        .then((snapshot) => {
          e.current = snapshot;
          e.at = Date.now();
          e.ttlMs = Math.max(1000, 2 * (e.at - started));
          return snapshot;
        })
        .finally(() => {
          e.loading = undefined;
        });
      // A background refresh that fails is simply tried again on the next query.
      e.loading.catch(() => {});
    }
    return e.current ? Promise.resolve(e.current) : e.loading!;
  }
}
