/**
 * Where a campaign stands, for the campaign page: the stored campaigns, one
 * row per authority with the ledger status of each recipient, filtered and
 * paged on the server (100k authorities must not travel to a browser every
 * two seconds), and the full story of one authority.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Authority, type AuthorityKind, type DeliveryStatus, type RecipientKey, recipientsOf } from '../domain/index.js';
import { type CampaignTotals, campaignTotals } from '../ledger/totals.js';
import { type LetterJobData, letterJobId } from '../schedule/queues.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { deliveryField, Ledger } from '../storage/ledger.js';

/** A recipient the ledger has no record of yet: the campaign is stored but not fanned out. */
export type CellStatus = DeliveryStatus | 'not-queued';

export const STATUS_FILTERS = ['all', 'failed', 'temporary-failure', 'permanent-failure', 'bounced', 'pending', 'sent', 'unsent'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface CampaignListing {
  id: string;
  reportingYear: string;
  storedAt: number;
  authorityCount: number;
}

export interface DeliveryCell {
  recipient: RecipientKey;
  role: string;
  status: CellStatus;
  attempts: number;
}

export interface AuthorityRow {
  id: string;
  name: string;
  kind: AuthorityKind;
  deliveries: DeliveryCell[];
}

export interface AuthorityQuery {
  status: StatusFilter;
  /** Matches the authority's name or id, case-insensitively. */
  search: string;
  offset: number;
  limit: number;
}

export interface AuthorityPage {
  /** Authorities in the campaign. */
  total: number;
  /** Authorities that pass the filter and search. */
  matched: number;
  offset: number;
  limit: number;
  rows: AuthorityRow[];
}

export interface CampaignSummary {
  campaign: { id: string; reportingYear: string; storedAt: number; version: string };
  totals: CampaignTotals;
  /** Job counts of the whole letters queue (every campaign under this prefix). */
  jobs: Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed', number>;
  /** Some delivery is still queued or being sent, or some letter job is still to run. */
  running: boolean;
}

export interface DeliveryDetail {
  recipient: RecipientKey;
  role: string;
  name: string;
  email: string;
  status: CellStatus;
  attempts: number;
  response?: string;
  messageId?: string;
  queuedAt?: number;
  updatedAt?: number;
  sentAt?: number;
  recoveredFrom?: string;
  bouncedAt?: number;
  /** bounced: the receiving system's words from the DSN. */
  diagnostic?: string;
}

export interface JobDetail {
  id: string;
  state: string;
  attemptsMade: number;
  attempts: number;
  failedReason?: string;
  processedOn?: number;
  finishedOn?: number;
  /** The job's log, oldest first, at most the last 50 lines. */
  logs: string[];
}

export interface AuthorityDetail {
  id: string;
  name: string;
  kind: AuthorityKind;
  job: JobDetail | null;
  deliveries: DeliveryDetail[];
}

interface AuthorityEntry {
  id: string;
  name: string;
  kind: AuthorityKind;
  search: string;
  /** Each recipient with its ledger field, "<authorityId>/<recipientKey>", built once. */
  recipients: Array<{ key: RecipientKey; role: string; field: string }>;
}

interface CampaignIndex {
  version: string;
  entries: AuthorityEntry[];
}

type Snapshot = Map<string, { status: DeliveryStatus; attempts: number }>;

interface SnapshotEntry {
  /** The last complete read of the ledger, and when it finished. */
  current?: Snapshot;
  at: number;
  /** How long it stays fresh: at least a second, and twice what the read took. */
  ttlMs: number;
  loading?: Promise<Snapshot>;
}

export class CampaignStatus {
  private readonly indexes = new Map<string, Promise<CampaignIndex | null>>();
  private readonly snapshots = new Map<string, SnapshotEntry>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: CampaignStore,
    private readonly letters: Queue<LetterJobData>,
  ) {}

  ledger(campaignId: string): Ledger {
    return new Ledger(this.redis, this.prefix, campaignId);
  }

  /** Stored campaigns, newest first. */
  async campaigns(): Promise<CampaignListing[]> {
    const ids = await this.store.ids();
    const listed = await Promise.all(
      ids.map(async (id) => {
        const stored = await this.store.load(id);
        return stored
          ? { id, reportingYear: stored.campaign.reportingYear, storedAt: stored.storedAt, authorityCount: stored.authorityCount }
          : null;
      }),
    );
    return listed.filter((c): c is CampaignListing => c !== null).sort((a, b) => b.storedAt - a.storedAt || a.id.localeCompare(b.id));
  }

  async summary(campaignId: string): Promise<CampaignSummary | null> {
    const stored = await this.store.load(campaignId);
    if (!stored) return null;
    const [totals, counts] = await Promise.all([
      campaignTotals(this.ledger(campaignId), stored.authorityCount),
      this.letters.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
    ]);
    const jobs = {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      prioritized: counts.prioritized ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
    return {
      campaign: { id: campaignId, reportingYear: stored.campaign.reportingYear, storedAt: stored.storedAt, version: stored.version },
      totals,
      jobs,
      running: totals.pending > 0 || jobs.waiting + jobs.active + jobs.delayed + jobs.prioritized > 0,
    };
  }

  async page(campaignId: string, query: AuthorityQuery): Promise<AuthorityPage | null> {
    const index = await this.index(campaignId);
    if (!index) return null;
    const needle = query.search.trim().toLowerCase();
    let entries = needle ? index.entries.filter((e) => e.search.includes(needle)) : index.entries;
    let statusOf: (entry: AuthorityEntry) => DeliveryCell[];
    if (query.status === 'all') {
      statusOf = () => [];
    } else {
      // Filtering needs every status: one HSCAN of the ledger, shared for a second by every page that asks.
      const snapshot = await this.snapshot(campaignId);
      statusOf = (entry) => cellsFrom(entry, (field) => snapshot.get(field));
      entries = entries.filter((entry) => matches(query.status, statusOf(entry)));
    }
    const slice = entries.slice(query.offset, query.offset + query.limit);
    // The page itself is always read fresh: a page of a few hundred rows is one HMGET.
    const fields = slice.flatMap((e) => e.recipients.map((r) => r.field));
    const fresh = await this.ledger(campaignId).progressOf(fields);
    return {
      total: index.entries.length,
      matched: entries.length,
      offset: query.offset,
      limit: query.limit,
      rows: slice.map((e) => ({ id: e.id, name: e.name, kind: e.kind, deliveries: cellsFrom(e, (field) => fresh.get(field)) })),
    };
  }

  async authority(campaignId: string, authorityId: string): Promise<AuthorityDetail | null> {
    const authority = await this.store.authority(campaignId, authorityId);
    if (!authority) return null;
    const recipients = recipientsOf(authority);
    const records = await this.ledger(campaignId).forAuthority(
      authorityId,
      recipients.map((r) => r.key),
    );
    const byKey = new Map(records.map((r) => [r.recipient, r]));
    return {
      id: authority.id,
      name: authority.name,
      kind: authority.kind,
      job: await this.job(letterJobId(campaignId, authorityId)),
      deliveries: recipients.map((r) => {
        const record = byKey.get(r.key);
        return {
          recipient: r.key,
          role: r.role,
          name: r.name,
          // A readdressed letter goes to the ledger's address, not the data set's.
          email: record?.email ?? r.email,
          status: record?.status ?? 'not-queued',
          attempts: record?.attempts ?? 0,
          response: record?.response,
          messageId: record?.messageId,
          queuedAt: record?.queuedAt,
          updatedAt: record?.updatedAt,
          sentAt: record?.sentAt,
          recoveredFrom: record?.recoveredFrom,
          bouncedAt: record?.bouncedAt,
          diagnostic: record?.diagnostic,
        };
      }),
    };
  }

  async storedAuthority(campaignId: string, authorityId: string): Promise<Authority | null> {
    return this.store.authority(campaignId, authorityId);
  }

  private async job(jobId: string): Promise<JobDetail | null> {
    const job = await this.letters.getJob(jobId);
    if (!job) return null;
    const [state, logs] = await Promise.all([job.getState(), this.letters.getJobLogs(jobId)]);
    return {
      id: jobId,
      state,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      failedReason: job.failedReason || undefined,
      processedOn: job.processedOn ?? undefined,
      finishedOn: job.finishedOn ?? undefined,
      logs: logs.logs.slice(-50),
    };
  }

  /** The authorities of one campaign, sorted by name; rebuilt only when the stored campaign changes. */
  private async index(campaignId: string): Promise<CampaignIndex | null> {
    const version = await this.store.version(campaignId);
    if (!version) return null;
    const cached = await this.indexes.get(campaignId);
    if (cached?.version === version) return cached;
    const building = this.buildIndex(campaignId, version);
    this.indexes.set(campaignId, building);
    building.catch(() => this.indexes.delete(campaignId));
    return building;
  }

  private async buildIndex(campaignId: string, version: string): Promise<CampaignIndex> {
    const entries: AuthorityEntry[] = [];
    for await (const a of this.store.authorities(campaignId)) {
      entries.push({
        id: a.id,
        name: a.name,
        kind: a.kind,
        search: `${a.name}\n${a.id}`.toLowerCase(),
        recipients: recipientsOf(a).map((r) => ({ key: r.key, role: r.role, field: deliveryField(a.id, r.key) })),
      });
    }
    entries.sort((x, y) => x.name.localeCompare(y.name, 'en-GB') || x.id.localeCompare(y.id));
    return { version, entries };
  }

  /**
   * Every delivery's status, for filtering. A ledger of 100k authorities takes
   * seconds to read, so the last complete read is served while a newer one is
   * on its way; the rows of the page shown are always read fresh.
   */
  private snapshot(campaignId: string): Promise<Snapshot> {
    let entry = this.snapshots.get(campaignId);
    if (!entry) {
      entry = { at: 0, ttlMs: 1000 };
      this.snapshots.set(campaignId, entry);
    }
    const e = entry;
    if (!e.loading && Date.now() - e.at >= e.ttlMs) {
      const started = Date.now();
      e.loading = this.readStatuses(campaignId)
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

  private async readStatuses(campaignId: string): Promise<Snapshot> {
    return this.ledger(campaignId).progress();
  }
}

function cellsFrom(
  entry: AuthorityEntry,
  lookup: (field: string) => { status: DeliveryStatus; attempts: number } | undefined,
): DeliveryCell[] {
  return entry.recipients.map((r) => {
    const found = lookup(r.field);
    return { recipient: r.key, role: r.role, status: found?.status ?? 'not-queued', attempts: found?.attempts ?? 0 };
  });
}

function matches(filter: StatusFilter, cells: DeliveryCell[]): boolean {
  const any = (...statuses: CellStatus[]) => cells.some((c) => statuses.includes(c.status));
  switch (filter) {
    case 'all':
      return true;
    case 'failed':
      return any('temporary-failure', 'permanent-failure');
    case 'temporary-failure':
      return any('temporary-failure');
    case 'permanent-failure':
      return any('permanent-failure');
    case 'bounced':
      return any('bounced');
    case 'pending':
      return any('queued', 'sending', 'not-queued');
    case 'sent':
      return cells.length > 0 && cells.every((c) => c.status === 'sent');
    case 'unsent':
      return cells.some((c) => c.status !== 'sent');
  }
}
