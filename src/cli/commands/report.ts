import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import { stringify } from 'csv-stringify/sync';
import type { Config } from '../../config.js';
import { CliError, DELIVERY_STATUSES, type DeliveryRecord, recipientsOf } from '../../domain/index.js';
import { Approvals } from '../../safety/approval.js';
import { type LetterJobData, letterJobId } from '../../schedule/queues.js';
import type { CampaignStore } from '../../storage/campaign-store.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

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
  /** The operator's corrections of the address, "from -> to by NAME at TIME", separated by "; ". */
  readdressed: string;
}

export function toReportRow(r: DeliveryRecord, name = ''): ReportRow {
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
    readdressed: (r.readdresses ?? []).map((c) => `${c.from} -> ${c.to} by ${c.by} at ${new Date(c.at).toISOString()}`).join('; '),
  };
}

export interface ReportOptions {
  campaign: string;
  format: 'csv' | 'json';
  /** Also write the gaps (every delivery not `sent`, with the report's columns) to this file. */
  gaps?: string;
  /**
   * Also write a record of the files to this path (JSON): the campaign, its
   * approval (who, when, sha256), counts by status, and the sha256 of the
   * report exactly as printed (and of the gaps file, when written).
   */
  manifest?: string;
}

export interface ReportManifest {
  campaign: string;
  generatedAt: string;
  approval: { by: string; at: string; sha256: string } | null;
  counts: Record<string, number>;
  report: { format: 'csv' | 'json'; rows: number; sha256: string };
  gaps?: { file: string; rows: number; sha256: string };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The gaps file's columns: the report's, and the state of the authority's letter job. */
export const GAP_COLUMNS = [...REPORT_COLUMNS, 'job'] as const;

export interface GapRow extends ReportRow {
  /**
   * The authority's letter job: BullMQ's state (waiting, active, delayed,
   * completed, failed), or `missing` when there is none (never added, or lost
   * in a failover). An owed letter whose job is missing or finished waits
   * for a repairing `run`.
   */
  job: string;
}

/**
 * The campaign's gaps: every (authority, recipient) with no `sent` record, so
 * an operator sees what is still owed (a `bounced` letter is owed: it did not arrive). Recipients of stored authorities that
 * the ledger has never seen (the campaign was stored but not yet fanned out, or a failover lost the records)
 * are gaps too, with status `not-queued`. Each says what became of its authority's job.
 */
export async function findGaps(
  rows: ReportRow[],
  store: CampaignStore,
  campaignId: string,
  letters: Queue<LetterJobData>,
): Promise<GapRow[]> {
  const gaps: ReportRow[] = rows.filter((r) => r.status !== 'sent');
  const recorded = new Set(rows.map((r) => `${r.authority}/${r.recipient}`));
  for await (const authority of store.authorities(campaignId)) {
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
      });
    }
  }
  const jobs = new Map<string, string>();
  for (const authority of new Set(gaps.map((g) => g.authority))) {
    const state = await letters.getJobState(letterJobId(campaignId, authority));
    jobs.set(authority, state === 'unknown' ? 'missing' : state);
  }
  return gaps.map((g) => ({ ...g, job: jobs.get(g.authority)! })).sort(byDelivery);
}

function byDelivery(a: ReportRow, b: ReportRow): number {
  return a.authority.localeCompare(b.authority) || a.recipient.localeCompare(b.recipient);
}

function formatRows(rows: ReportRow[], format: 'csv' | 'json', columns: readonly string[] = REPORT_COLUMNS): string {
  return format === 'json' ? JSON.stringify(rows, null, 2) : stringify(rows, { header: true, columns: [...columns] }).trimEnd();
}

/** `report --campaign ID [--format csv|json] [--gaps FILE] [--manifest FILE]`: one row per delivery from the ledger, sorted. */
export async function reportCommand(options: ReportOptions, config: Config, print: Print): Promise<ReportRow[]> {
  const producer = await openProducer(config);
  try {
    const names = new Map<string, string>();
    for await (const authority of producer.store.authorities(options.campaign)) names.set(authority.id, authority.name);
    const rows: ReportRow[] = [];
    for await (const record of producer.ledger(options.campaign).records()) rows.push(toReportRow(record, names.get(record.authorityId)));
    if (rows.length === 0)
      throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    rows.sort(byDelivery);
    const report = `${formatRows(rows, options.format)}\n`;
    print.out(report.slice(0, -1));
    let gapsRecord: ReportManifest['gaps'];
    if (options.gaps) {
      const gaps = await findGaps(rows, producer.store, options.campaign, producer.letters);
      // A header (or []) even when nothing is owed, so a script can tell "no gaps" from "no file".
      const text = `${gaps.length > 0 || options.format === 'json' ? formatRows(gaps, options.format, GAP_COLUMNS) : GAP_COLUMNS.join(',')}\n`;
      await writeFile(options.gaps, text);
      gapsRecord = { file: options.gaps, rows: gaps.length, sha256: sha256(text) };
      print.err(`gaps: ${gaps.length} deliveries not sent, written to ${options.gaps}`);
    }
    if (options.manifest) {
      const approval = await new Approvals(producer.redis, config.QUEUE_PREFIX).get(options.campaign);
      const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length]));
      const manifest: ReportManifest = {
        campaign: options.campaign,
        generatedAt: new Date().toISOString(),
        approval: approval ? { by: approval.by, at: approval.at, sha256: approval.sha256 } : null,
        counts,
        report: { format: options.format, rows: rows.length, sha256: sha256(report) },
        ...(gapsRecord ? { gaps: gapsRecord } : {}),
      };
      await writeFile(options.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
      print.err(`manifest: written to ${options.manifest} (report sha256 ${manifest.report.sha256})`);
    }
    return rows;
  } finally {
    await producer.close();
  }
}
