/**
 * Reads one CSV file of a data directory into rows: strict UTF-8 (utf8.ts),
 * the fastest reading that can be trusted with the file (csv-fast-pass.ts for
 * a clean one, csv-exact-pass.ts for anything to report), an exact header
 * (csv-header.ts), each row with the physical line it starts on, and the
 * character checks that hold for every value (field-characters.ts). Bad input
 * never throws; it becomes problems in a ProblemLog.
 */
import { AUTHORITY_ID } from '../domain/index.js';
import { MAX_UNREADABLE_RECORDS, readExact } from './csv-exact-pass.js';
import { parseClean } from './csv-fast-pass.js';
import { checkHeader } from './csv-header.js';
import { characterProblem } from './field-characters.js';
import type { ProblemLog } from './problem-log.js';
import { decodeUtf8 } from './utf8.js';

export interface CsvRow<C extends string> {
  /** Physical line where the record starts; the header is line 1. */
  line: number;
  /** Each field with surrounding spaces removed, in the header's order. */
  fields: readonly string[];
  /** Each column's index in `fields` (one object for the whole file). */
  index: Readonly<Record<C, number>>;
}

/**
 * Parses one CSV file whose header must hold exactly `columns`, in any order, calling `onRow`
 * for each record with the right number of fields, in file order. Problems
 * found here (encoding, CSV syntax, header, field count, control characters)
 * go to `log`, tagged with the row's `idColumn` value when it is an id. Rows
 * are not read at all when the header is wrong: every field would be misread.
 */
export function readCsv<C extends string>(
  bytes: Uint8Array,
  columns: readonly C[],
  log: ProblemLog,
  onRow: (row: CsvRow<C>) => void,
  idColumn?: C,
): void {
  const expectedHeader = columns.join(',');
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const decoded = decodeUtf8(body);
  if (!decoded.ok) {
    log.addFileProblem(decoded.line, '-', 'is not valid UTF-8; save the file as UTF-8 (in Excel: "CSV UTF-8")');
    return;
  }

  // Most files are clean, and the fast pass reads them; each of its records is exactly one physical line.
  const clean = parseClean(decoded.text);
  const { lines, stoppedAt } = clean ? { lines: [], stoppedAt: null } : readExact(body);
  // Each column's place, from the header: the columns may come in any order.
  let index = Object.fromEntries(columns.map((column, i) => [column, i])) as Record<C, number>;
  let idIndex = idColumn ? index[idColumn] : -1;
  let header: readonly string[] = columns;
  let headerChecked = false;

  /** One record; false when the rest of the file is not to be read. */
  const readRecord = (fields: string[], line: number, hasNoControls: boolean): boolean => {
    const blank = fields.every((field) => field.trim() === ''); // blank lines, and Excel's ",,,," rows
    if (!headerChecked) {
      headerChecked = true;
      // csv-parse takes the first line's width as every row's; a blank one would make them all wrong.
      if (blank) {
        log.addFileProblem(line, '-', `line ${line} is blank; the header must be the first line: ${expectedHeader}`);
        return false;
      }
      const found = checkHeader(fields, columns, line, log);
      if (!found) return false;
      index = found;
      header = fields.map((name) => name.trim());
      idIndex = idColumn ? index[idColumn] : -1;
      return true;
    }
    if (blank) return true;

    const idValue = idIndex === -1 ? undefined : fields[idIndex]?.trim();
    const id = idValue && AUTHORITY_ID.test(idValue) ? idValue : undefined;
    if (fields.length !== columns.length) {
      log.add(line, '-', `has ${fields.length} ${fields.length === 1 ? 'field' : 'fields'}; the header has ${columns.length}`, id);
      return true;
    }
    // Trimmed in place: the parsers' arrays are ours, and no copy per row is made.
    for (let i = 0; i < fields.length; i++) {
      const raw = fields[i]!;
      if (!hasNoControls) {
        const problem = characterProblem(raw);
        if (problem !== undefined) log.add(line, header[i]!, problem, id);
      }
      fields[i] = raw.trim();
    }
    onRow({ line, fields, index });
    return true;
  };

  if (clean) {
    // The fast pass let no value with a control character through.
    for (let i = 0; i < clean.length; i++) if (!readRecord(clean[i]!, i + 1, true)) return;
  }
  for (const parsed of lines) {
    const line = parsed.line;
    if ('unreadable' in parsed) {
      if (!headerChecked) {
        log.addFileProblem(line, '-', `the header line could not be read: ${parsed.unreadable.reason}`);
        return;
      }
      const column = parsed.unreadable.column === undefined ? undefined : header[parsed.unreadable.column];
      log.add(line, column ?? '-', parsed.unreadable.reason);
      continue;
    }
    if (!readRecord(parsed.fields, line, false)) return;
  }
  if (!headerChecked) log.addFileProblem(undefined, '-', `is empty; expected a header line: ${expectedHeader}`);
  if (stoppedAt !== null) {
    const reason = `stopped reading here: ${MAX_UNREADABLE_RECORDS} records could not be read as rows of ${expectedHeader}; is this the right file, saved as comma-separated values?`;
    log.addFileProblem(stoppedAt, '-', reason);
  }
}
