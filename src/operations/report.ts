/**
 * The record of a campaign's deliveries, for `report`: one row per delivery
 * from the ledger, the gaps (every delivery whose letter has not arrived,
 * with its job's state), and the manifest (which files, under which
 * approval, and their sha256). Reads only; the command line writes the files.
 */
import { createHash } from 'node:crypto';
import { type Approval, CampaignNotStoredError, DELIVERY_STATUSES, type DeliveryRecord, isGap, recipientsOf } from '../domain/index.js';
import { jobIdOf } from '../schedule/queues.js';
import type { OperationsContext } from './context.js';

export const REPORT_COLUMNS = [
  'authority',
  'name',
  'recipient',
  'role',
  'email',
  'status',
  'attempts',
  'messageId',
  'response',
  'time',
  'recovered',
  'diagnostic',
  'readdressed',
  'unverifiedBounces',
] as const;

export interface ReportRow {
  authority: string;
  /** The authority's name, as stored with the campaign. */
  name: string;
  recipient: string;
  role: string;
  email: string;
  status: string;
  attempts: number;
  messageId: string;
  response: string;
  /** When the record last changed, ISO 8601. */
  time: string;
  /** Set when a send was retried after its worker died mid-send: check that this recipient got one letter. */
  recovered: string;
  /** bounced: the receiving system's reason, from the DSN. */
  diagnostic: string;
  /** The operator's corrections of the address, "from -> to by NAME at TIME (reason: ...)", separated by "; ". */
  readdressed: string;
  /** Bounces that name this delivery without a valid VERP token (they changed nothing): read them before acting. */
  unverifiedBounces: number;
}

export function toReportRow(r: DeliveryRecord, name = '', unverifiedBounces = 0): ReportRow {
  return {
    authority: r.authorityId,
    name,
    recipient: r.recipient,
    role: r.role,
    email: r.email,
    status: r.status,
    attempts: r.attempts,
    messageId: r.messageId,
    response: r.response ?? '',
    time: new Date(r.bouncedAt ?? r.sentAt ?? r.updatedAt).toISOString(),
    recovered: r.recoveredFrom ?? '',
    diagnostic: r.diagnostic ?? '',
    readdressed: (r.readdresses ?? [])
      .map(
        (c) =>
          `${c.from} -> ${c.to} by ${c.by} at ${new Date(c.at).toISOString()}${c.operatorReason ? ` (reason: ${c.operatorReason})` : ''}`,
      )
      .join('; '),
    unverifiedBounces,
  };
}

/** The gaps file's columns: the report's, and the state of the delivery's letter job. */
export const GAP_COLUMNS = [...REPORT_COLUMNS, 'job'] as const;

export interface GapRow extends ReportRow {
  /**
   * The delivery's letter job: BullMQ's state (waiting, active, delayed,
   * completed, failed), or `missing` when there is none (never added,
   * cancelled, or lost in a failover). An owed letter whose job is missing or
   * finished waits for a repairing `run`.
   */
  job: string;
}

/** Every delivery of the campaign, sorted by authority then recipient; CampaignNotStoredError when it has none. */
export async function reportRows(ctx: OperationsContext, campaignId: string): Promise<ReportRow[]> {
  const names = new Map<string, string>();
  for await (const authority of ctx.storage.campaigns.authorities(campaignId)) names.set(authority.id, authority.name);
  const unverified = new Map<string, number>();
  for (const b of (await ctx.storage.unverifiedBounces.read(campaignId)).rows) {
    const field = `${b.authorityId}/${b.recipient}`;
    unverified.set(field, (unverified.get(field) ?? 0) + 1);
  }
  const rows: ReportRow[] = [];
  for await (const record of ctx.storage.ledger(campaignId).records())
    rows.push(toReportRow(record, names.get(record.authorityId), unverified.get(`${record.authorityId}/${record.recipient}`)));
  if (rows.length === 0 && names.size === 0) throw new CampaignNotStoredError(campaignId);
  return rows.sort(byDelivery);
}

/**
 * The campaign's gaps: every delivery whose letter has not arrived (the
 * domain's `isGap`: a `bounced` letter is one), so an operator sees what is
 * still owed. Recipients of stored authorities that the ledger has never
 * seen (stored but not yet fanned out, or lost in a failover) are gaps too,
 * with status `not-queued`. Each says what became of its job.
 */
export async function findGaps(ctx: OperationsContext, campaignId: string, rows: readonly ReportRow[]): Promise<GapRow[]> {
  const gaps: ReportRow[] = rows.filter((r) => isGap(r.status as DeliveryRecord['status']));
  const recorded = new Set(rows.map((r) => `${r.authority}/${r.recipient}`));
  for await (const authority of ctx.storage.campaigns.authorities(campaignId)) {
    for (const recipient of recipientsOf(authority)) {
      if (recorded.has(`${authority.id}/${recipient.key}`)) continue;
      gaps.push({
        authority: authority.id,
        name: authority.name,
        recipient: recipient.key,
        role: recipient.role,
        email: recipient.email,
        status: 'not-queued',
        attempts: 0,
        messageId: '',
        response: '',
        time: '',
        recovered: '',
        diagnostic: '',
        readdressed: '',
        unverifiedBounces: 0,
      });
    }
  }
  const jobs = new Map<string, string>();
  for (const gap of gaps) {
    const id = jobIdOf(campaignId, gap.authority, gap.recipient);
    if (!jobs.has(id)) {
      const state = await ctx.letters.getJobState(id);
      jobs.set(id, state === 'unknown' ? 'missing' : state);
    }
  }
  return gaps.map((g) => ({ ...g, job: jobs.get(jobIdOf(campaignId, g.authority, g.recipient))! })).sort(byDelivery);
}

function byDelivery(a: ReportRow, b: ReportRow): number {
  return a.authority.localeCompare(b.authority) || a.recipient.localeCompare(b.recipient);
}

type ApprovalSummary = Pick<Approval, 'by' | 'at' | 'sha256'>;

export interface ReportManifest {
  campaign: string;
  generatedAt: string;
  /**
   * The approval the stored campaign (what the workers sent) was checked
   * against when `run` or `schedule` stored it: the letters went out under it.
   */
  approval: ApprovalSummary | null;
  /** The campaign's latest approval, when it is not the one above (approved again since). */
  latestApproval?: ApprovalSummary;
  counts: Record<string, number>;
  report: { format: 'csv' | 'json'; rows: number; sha256: string };
  gaps?: { file: string; rows: number; sha256: string };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The manifest of a report exactly as written (`reportText`), and of its gaps file. */
export async function reportManifest(
  ctx: OperationsContext,
  campaignId: string,
  rows: readonly ReportRow[],
  report: { format: 'csv' | 'json'; text: string },
  gaps?: { file: string; rows: number; text: string },
): Promise<ReportManifest> {
  const { approvals } = ctx.storage;
  const [storedCheck, latest] = await Promise.all([approvals.getStored(campaignId), approvals.get(campaignId)]);
  const under = storedCheck ? await approvals.bySha256(campaignId, storedCheck.approvalSha256) : null;
  const summary = (a: Approval): ApprovalSummary => ({ by: a.by, at: a.at, sha256: a.sha256 });
  return {
    campaign: campaignId,
    generatedAt: new Date().toISOString(),
    approval: under ? summary(under) : null,
    ...(latest && latest.sha256 !== under?.sha256 ? { latestApproval: summary(latest) } : {}),
    counts: Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length])),
    report: { format: report.format, rows: rows.length, sha256: sha256(report.text) },
    ...(gaps ? { gaps: { file: gaps.file, rows: gaps.rows, sha256: sha256(gaps.text) } } : {}),
  };
}

/** The unverified bounces' columns (`report --unverified FILE`): every text in them is the sender's claim. */
export const UNVERIFIED_COLUMNS = [
  'receivedAt',
  'authority',
  'recipient',
  'kind',
  'why',
  'reason',
  'claimedEmail',
  'claimedStatus',
  'claimedDiagnostic',
  'from',
  'subject',
  'keptAt',
] as const;

export type UnverifiedRow = Record<(typeof UNVERIFIED_COLUMNS)[number], string>;

/** Every unverified bounce kept for the campaign, newest first, and how many were ever recorded (the oldest drop off a cap). */
export async function unverifiedBounceRows(ctx: OperationsContext, campaignId: string): Promise<{ rows: UnverifiedRow[]; total: number }> {
  const { rows, total } = await ctx.storage.unverifiedBounces.read(campaignId);
  return {
    total,
    rows: rows.map((b) => ({
      receivedAt: new Date(b.receivedAt).toISOString(),
      authority: b.authorityId,
      recipient: b.recipient,
      kind: b.kind,
      why: b.why,
      reason: b.reason,
      claimedEmail: b.email ?? '',
      claimedStatus: b.status ?? '',
      claimedDiagnostic: b.diagnostic ?? '',
      from: b.from ?? '',
      subject: b.subject ?? '',
      keptAt: b.keptAt ?? '',
    })),
  };
}
