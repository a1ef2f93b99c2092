/**
 * `report --campaign ID [--format csv|json] [--gaps FILE] [--manifest FILE]`:
 * one row per delivery from the ledger, sorted (src/operations/report.ts).
 * The files are written before the report is printed: a reader that stops
 * early (`report | head`) leaves the end-of-day record whole.
 */
import { writeFile } from 'node:fs/promises';
import type { Config } from '../../config.js';
import { toCsv } from '../../csv-file.js';
import { CampaignNotStoredError, CliError } from '../../domain/index.js';
import { openOperations } from '../../operations/context.js';
import {
  findGaps,
  GAP_COLUMNS,
  REPORT_COLUMNS,
  type ReportRow,
  reportManifest,
  reportRows,
  UNVERIFIED_COLUMNS,
  unverifiedBounceRows,
} from '../../operations/report.js';
import type { Print } from '../print.js';

export { findGaps, REPORT_COLUMNS, type ReportRow, toReportRow } from '../../operations/report.js';

export interface ReportOptions {
  campaign: string;
  format: 'csv' | 'json';
  /** Also write the gaps (every delivery not `sent`, with the report's columns) to this file. */
  gaps?: string;
  /**
   * Also write a record of the files to this path (JSON): the campaign, the
   * approval its letters went out under (who, when, sha256), counts by status,
   * and the sha256 of the report exactly as printed (and of the gaps file).
   */
  manifest?: string;
  /** Also write the unverified bounces (named a delivery without a valid VERP token, changed nothing) to this file. */
  unverified?: string;
}

function formatRows(rows: readonly object[], format: 'csv' | 'json', columns: readonly string[] = REPORT_COLUMNS): string {
  return format === 'json' ? JSON.stringify(rows, null, 2) : toCsv(rows, columns).trimEnd();
}

export async function reportCommand(options: ReportOptions, config: Config, print: Print): Promise<ReportRow[]> {
  const ops = await openOperations(config);
  try {
    const rows = await reportRows(ops, options.campaign).catch((error: unknown) => {
      if (error instanceof CampaignNotStoredError)
        throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
      throw error;
    });
    if (rows.length === 0)
      throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    const report = `${formatRows(rows, options.format)}\n`;
    let gapsFile: { file: string; rows: number; text: string } | undefined;
    if (options.gaps) {
      const gaps = await findGaps(ops, options.campaign, rows);
      // A header (or []) even when nothing is owed, so a script can tell "no gaps" from "no file".
      const text = `${gaps.length > 0 || options.format === 'json' ? formatRows(gaps, options.format, GAP_COLUMNS) : GAP_COLUMNS.join(',')}\n`;
      await writeFile(options.gaps, text);
      gapsFile = { file: options.gaps, rows: gaps.length, text };
      print.err(`gaps: ${gaps.length} deliveries not sent, written to ${options.gaps}`);
    }
    const unverified = await unverifiedBounceRows(ops, options.campaign);
    if (options.unverified) {
      await writeFile(options.unverified, `${formatRows(unverified.rows, options.format, UNVERIFIED_COLUMNS)}\n`);
      print.err(`unverified bounces: ${unverified.rows.length} written to ${options.unverified}`);
    } else if (unverified.total > 0) {
      print.err(
        `unverified bounces: ${unverified.total} named deliveries of this campaign without a valid VERP token and changed nothing; ` +
          'read them (report --unverified FILE) before acting on them',
      );
    }
    if (options.manifest) {
      const manifest = await reportManifest(ops, options.campaign, rows, { format: options.format, text: report }, gapsFile);
      await writeFile(options.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
      print.err(`manifest: written to ${options.manifest} (report sha256 ${manifest.report.sha256})`);
    }
    print.out(report.slice(0, -1));
    return rows;
  } finally {
    await ops.close();
  }
}
