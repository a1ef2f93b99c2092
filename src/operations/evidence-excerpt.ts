/**
 * An information request's pack carries one authority's rows of the
 * campaign's CSV files, nothing of any other authority: each file cut to its
 * header and the lines whose authority column names that authority, byte for
 * byte as approved (line ends and quoting kept). A value never spans lines
 * (validation refuses a line break in any field), so a line is a row.
 */
import { parse } from 'csv-parse/sync';

/** The CSV files of a campaign folder that hold authorities' rows, and the column naming each row's authority. */
export const AUTHORITY_COLUMN: Readonly<Record<string, string>> = {
  'authorities.csv': 'id',
  'monitoring-officers.csv': 'authority_id',
  'contacts.csv': 'authority_id',
};

function fields(line: string): string[] {
  const records = parse(line.replace(/\r$/, ''), { relax_column_count: true, relax_quotes: true, bom: true }) as string[][];
  return (records[0] ?? []).map((value) => value.trim());
}

/** The file's header line and the lines of `authority`'s rows; throws when the header has no such column. */
export function excerptRows(bytes: Buffer, file: string, authority: string): Buffer {
  const column = AUTHORITY_COLUMN[file];
  if (!column) throw new Error(`${file} holds no authorities' rows`);
  const lines = bytes.toString('utf8').split(/(?<=\n)/);
  const header = lines[0] ?? '';
  const at = fields(header).indexOf(column);
  if (at < 0) throw new Error(`${file}: no ${column} column in its header`);
  const kept = [header];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    if (fields(line)[at] === authority) kept.push(line);
  }
  return Buffer.from(kept.join(''), 'utf8');
}

/** Another authority's own file (attachments/<other>/...): one authority's pack does not name it, let alone carry it. */
export function otherAuthoritysFile(name: string, authority: string): boolean {
  return name.startsWith('attachments/') && !name.startsWith(`attachments/${authority}/`);
}
