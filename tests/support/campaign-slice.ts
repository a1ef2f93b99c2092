/**
 * A campaign folder cut down to a few authorities that between them show
 * what the whole does: the first authority of every kind, one without a
 * political head, and every authority with its own attachments. The other
 * files (monitoring officers, contacts, attachments) keep only those
 * authorities' rows, so the slice is as valid as the folder it came from.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

type Row = Record<string, string>;

async function readRows(file: string): Promise<Row[] | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : (parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Row[]);
}

async function writeRows(file: string, rows: Row[], columns: string[]): Promise<void> {
  await writeFile(file, stringify(rows, { header: true, columns }));
}

/** Copies `from` to `to`, keeping the representative authorities only; returns their ids. */
export async function sliceCampaign(from: string, to: string): Promise<string[]> {
  await cp(from, to, { recursive: true });
  const authorities = (await readRows(join(to, 'authorities.csv')))!;
  const columns = Object.keys(authorities[0]!);
  const attachments = new Set((await readdir(join(to, 'attachments')).catch(() => [] as string[])).filter((name) => !name.startsWith('.')));
  const keep = new Set<string>();
  const kinds = new Set<string>();
  for (const row of authorities) {
    if (!kinds.has(row.kind!)) {
      kinds.add(row.kind!);
      keep.add(row.id!);
    }
  }
  const headless = authorities.find((row) => row.head_email === '');
  if (headless) keep.add(headless.id!);
  for (const id of attachments) keep.add(id);
  await writeRows(
    join(to, 'authorities.csv'),
    authorities.filter((row) => keep.has(row.id!)),
    columns,
  );
  for (const file of ['monitoring-officers.csv', 'contacts.csv']) {
    const rows = await readRows(join(to, file));
    if (rows && rows.length > 0)
      await writeRows(
        join(to, file),
        rows.filter((row) => keep.has(row.authority_id!)),
        Object.keys(rows[0]!),
      );
  }
  for (const id of attachments) if (!keep.has(id)) await rm(join(to, 'attachments', id), { recursive: true });
  return [...keep];
}
