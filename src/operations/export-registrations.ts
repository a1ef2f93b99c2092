/**
 * `registrations export --data DIR`: merges the registrations into
 * DIR/monitoring-officers.csv, so they reach a run only through validate,
 * preview and approval like every other data change.
 *   - approved: a row is added, or an existing row of that authority and
 *     address says `registered` = yes; never a second row;
 *   - withdrawn: every row of that authority and address says no;
 *   - waiting or rejected: nothing changes.
 * Rows it does not touch are kept as they are, in order.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../csv-file.js';
import { AUTHORITIES_FILE, declarationOf, parseAuthoritiesCsv } from '../data/authorities-csv.js';
import { CAMPAIGN_FILE, parseCampaignJson } from '../data/load-data-set.js';
import { MONITORING_OFFICER_COLUMNS, MONITORING_OFFICERS_FILE } from '../data/monitoring-officers-csv.js';
import type { Registration } from '../domain/index.js';

export interface ExportResult {
  file: string;
  added: Registration[];
  /** Approved, with a row that said no: it says yes now. */
  reRegistered: Registration[];
  withdrawn: Registration[];
  /** Approved for an authority that DIR/authorities.csv does not have: not added. */
  unknownAuthority: Registration[];
}

export class ExportError extends Error {
  override name = 'ExportError';
}

type Row = Record<(typeof MONITORING_OFFICER_COLUMNS)[number], string>;

export async function exportRegistrations(dir: string, registrations: readonly Registration[]): Promise<ExportResult> {
  const file = join(dir, MONITORING_OFFICERS_FILE);
  const rows = await readRows(file);
  // authorities.csv is read as its campaign declares it; only its ids are used here.
  const { campaign } = parseCampaignJson(await readFile(join(dir, CAMPAIGN_FILE)).catch(() => new Uint8Array()));
  if (!campaign) throw new ExportError(`${join(dir, CAMPAIGN_FILE)} is missing or has problems; run validate --data ${dir}`);
  const authorities = parseAuthoritiesCsv(
    await readFile(join(dir, AUTHORITIES_FILE)).catch(() => new Uint8Array()),
    declarationOf(campaign),
  );
  const result: ExportResult = { file, added: [], reRegistered: [], withdrawn: [], unknownAuthority: [] };
  const matching = (r: Registration) =>
    rows.filter((row) => row.authority_id === r.authorityId && row.email.toLowerCase() === r.email.toLowerCase());

  for (const registration of registrations) {
    const existing = matching(registration);
    if (registration.status === 'approved') {
      if (existing.length === 0) {
        if (!authorities.ids?.has(registration.authorityId)) {
          result.unknownAuthority.push(registration);
          continue;
        }
        rows.push({ authority_id: registration.authorityId, name: registration.name, email: registration.email, registered: 'yes' });
        result.added.push(registration);
      } else if (!existing.some((row) => row.registered.toLowerCase() === 'yes')) {
        existing[0]!.registered = 'yes';
        result.reRegistered.push(registration);
      }
    } else if (registration.status === 'withdrawn') {
      const on = existing.filter((row) => row.registered.toLowerCase() !== 'no');
      for (const row of on) row.registered = 'no';
      if (on.length > 0) result.withdrawn.push(registration);
    }
  }

  if (result.added.length + result.reRegistered.length + result.withdrawn.length > 0) {
    const text = toCsv(rows, MONITORING_OFFICER_COLUMNS);
    // Written aside and renamed: a reader never sees half a file.
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
  return result;
}

async function readRows(file: string): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: unknown }).lines;
    throw new ExportError(
      `${MONITORING_OFFICERS_FILE}:${typeof line === 'number' ? line : 0}: -: cannot be read as CSV (${(error as Error).message}); run validate --data DIR and fix it first`,
    );
  }
  const [header, ...body] = records;
  if (!header || header.record.join(',') !== MONITORING_OFFICER_COLUMNS.join(',')) {
    throw new ExportError(`${MONITORING_OFFICERS_FILE}:1: header: must be exactly ${MONITORING_OFFICER_COLUMNS.join(',')}`);
  }
  return body.map(({ record: fields, info }) => {
    if (fields.length !== MONITORING_OFFICER_COLUMNS.length) {
      throw new ExportError(
        `${MONITORING_OFFICERS_FILE}:${info.lines}: -: has ${fields.length} fields, not ${MONITORING_OFFICER_COLUMNS.length}; run validate --data DIR and fix it first`,
      );
    }
    const [authority_id, name, email, registered] = fields as [string, string, string, string];
    return { authority_id, name, email, registered };
  });
}
