/**
 * Where a campaign stands, for the campaign page: the stored campaigns (and
 * which one to open on), its progress, one row per authority with the ledger
 * status of each recipient (filtered and paged on the server), and the full
 * story of one authority. Reads only; every change is an operation.
 */
import {
  type AuthorityKind,
  type CampaignState,
  type DeliveryState,
  describeCampaignState,
  isGap,
  isPending,
  isTestCampaign,
  isUnderway,
  type RecipientKey,
  recipientsOf,
} from '../domain/index.js';
import type { CampaignTotals } from '../ledger/totals.js';
import { campaignProgress } from '../operations/campaign-progress.js';
import type { OperationsContext } from '../operations/context.js';
import { letterJobId } from '../schedule/queues.js';
import { type AuthorityEntry, CampaignIndexes } from './campaign-index.js';
import { LedgerSnapshots } from './ledger-snapshot.js';

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
  status: DeliveryState;
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
  /** Where the run stands, and the same in words. */
  state: CampaignState & { text: string };
  /** Job counts of the whole letters queue (every campaign under this prefix). */
  jobs: Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed', number>;
  /** Letters of this campaign are on their way (sending, or held by the relay's breaker). */
  running: boolean;
}

export interface DeliveryDetail {
  recipient: RecipientKey;
  role: string;
  name: string;
  email: string;
  status: DeliveryState;
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
  /** The job's log, newest first, at most 50 lines. */
  logs: string[];
}

/** A bounce that named one of the authority's deliveries without a valid VERP token: it changed nothing; every text is the sender's claim. */
export interface UnverifiedBounceDetail {
  recipient: RecipientKey;
  receivedAt: number;
  kind: 'failed' | 'delayed';
  reason: string;
  claimedEmail?: string;
  claimedDiagnostic?: string;
}

export interface AuthorityDetail {
  id: string;
  name: string;
  kind: AuthorityKind;
  job: JobDetail | null;
  deliveries: DeliveryDetail[];
  unverifiedBounces: UnverifiedBounceDetail[];
}

export class CampaignStatus {
  private readonly indexes: CampaignIndexes;
  private readonly snapshots: LedgerSnapshots;

  constructor(private readonly ops: OperationsContext) {
    this.indexes = new CampaignIndexes(ops.storage.campaigns);
    this.snapshots = new LedgerSnapshots(ops.storage);
  }

  /** Stored campaigns, newest first. */
  async campaigns(): Promise<CampaignListing[]> {
    const store = this.ops.storage.campaigns;
    const listed = await Promise.all(
      (await store.ids()).map(async (id) => {
        const stored = await store.load(id);
        return stored
          ? { id, reportingYear: stored.campaign.reportingYear, storedAt: stored.storedAt, authorityCount: stored.authorityCount }
          : null;
      }),
    );
    return listed.filter((c): c is CampaignListing => c !== null).sort((a, b) => b.storedAt - a.storedAt || a.id.localeCompare(b.id));
  }

  /**
   * The campaign the page opens on when none is asked for: one being sent
   * (a real one before a test run), else the newest with deliveries, else the
   * newest stored. Scheduling next year's campaign does not hide this year's run.
   */
  async defaultCampaign(campaigns: readonly CampaignListing[]): Promise<string | undefined> {
    const ordered = [...campaigns].sort((a, b) => Number(isTestCampaign(a.id)) - Number(isTestCampaign(b.id)));
    let withDeliveries: string | undefined;
    for (const c of ordered) {
      const progress = await campaignProgress(this.ops, c.id);
      if (!progress) continue;
      if (isUnderway(progress.state)) return c.id;
      if (progress.totals.deliveries > 0) withDeliveries ??= c.id;
    }
    return withDeliveries ?? campaigns[0]?.id;
  }

  async summary(campaignId: string): Promise<CampaignSummary | null> {
    const [progress, counts] = await Promise.all([
      campaignProgress(this.ops, campaignId),
      this.ops.letters.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
    ]);
    if (!progress) return null;
    const jobs = {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      prioritized: counts.prioritized ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
    return {
      campaign: progress.campaign,
      totals: progress.totals,
      state: { ...progress.state, text: describeCampaignState(progress.state) },
      jobs,
      running: isUnderway(progress.state),
    };
  }

  async page(campaignId: string, query: AuthorityQuery): Promise<AuthorityPage | null> {
    const index = await this.indexes.get(campaignId);
    if (!index) return null;
    const needle = query.search.trim().toLowerCase();
    let entries = needle ? index.entries.filter((e) => e.search.includes(needle)) : index.entries;
    if (query.status !== 'all') {
      // Filtering needs every status: one HSCAN of the ledger, shared for a second by every page that asks.
      const snapshot = await this.snapshots.get(campaignId);
      entries = entries.filter((entry) =>
        matches(
          query.status,
          cellsFrom(entry, (field) => snapshot.get(field)),
        ),
      );
    }
    const slice = entries.slice(query.offset, query.offset + query.limit);
    // The page itself is always read fresh: a page of a few hundred rows is one HMGET.
    const fields = slice.flatMap((e) => e.recipients.map((r) => r.field));
    const fresh = await this.ops.storage.ledger(campaignId).progressOf(fields);
    return {
      total: index.entries.length,
      matched: entries.length,
      offset: query.offset,
      limit: query.limit,
      rows: slice.map((e) => ({ id: e.id, name: e.name, kind: e.kind, deliveries: cellsFrom(e, (field) => fresh.get(field)) })),
    };
  }

  async authority(campaignId: string, authorityId: string): Promise<AuthorityDetail | null> {
    const authority = await this.ops.storage.campaigns.authority(campaignId, authorityId);
    if (!authority) return null;
    const recipients = recipientsOf(authority);
    const records = await this.ops.storage.ledger(campaignId).forAuthority(
      authorityId,
      recipients.map((r) => r.key),
    );
    const byKey = new Map(records.map((r) => [r.recipient, r]));
    const unverified = (await this.ops.storage.unverifiedBounces.read(campaignId)).rows.filter((b) => b.authorityId === authorityId);
    return {
      id: authority.id,
      name: authority.name,
      kind: authority.kind,
      job: await this.job(letterJobId(campaignId, authorityId)),
      unverifiedBounces: unverified.map((b) => ({
        recipient: b.recipient,
        receivedAt: b.receivedAt,
        kind: b.kind,
        reason: b.reason,
        ...(b.email ? { claimedEmail: b.email } : {}),
        ...(b.diagnostic ? { claimedDiagnostic: b.diagnostic } : {}),
      })),
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

  private async job(jobId: string): Promise<JobDetail | null> {
    const job = await this.ops.letters.getJob(jobId);
    if (!job) return null;
    const [state, logs] = await Promise.all([job.getState(), this.ops.letters.getJobLogs(jobId, 0, 49, false)]);
    return {
      id: jobId,
      state,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      failedReason: job.failedReason || undefined,
      processedOn: job.processedOn ?? undefined,
      finishedOn: job.finishedOn ?? undefined,
      logs: logs.logs,
    };
  }
}

function cellsFrom(
  entry: AuthorityEntry,
  lookup: (field: string) => { status: DeliveryState; attempts: number } | undefined,
): DeliveryCell[] {
  return entry.recipients.map((r) => {
    const found = lookup(r.field);
    return { recipient: r.key, role: r.role, status: found?.status ?? 'not-queued', attempts: found?.attempts ?? 0 };
  });
}

/** Whether a row passes a status filter: the domain's rules for what is a gap and what is pending. */
function matches(filter: StatusFilter, cells: DeliveryCell[]): boolean {
  const any = (test: (state: DeliveryState) => boolean) => cells.some((c) => test(c.status));
  switch (filter) {
    case 'all':
      return true;
    case 'failed':
      return any((s) => s === 'temporary-failure' || s === 'permanent-failure');
    case 'temporary-failure':
    case 'permanent-failure':
    case 'bounced':
      return any((s) => s === filter);
    case 'pending':
      return any(isPending);
    case 'sent':
      return cells.length > 0 && !any(isGap);
    case 'unsent':
      return any(isGap);
  }
}
