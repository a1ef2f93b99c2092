/**
 * What both CSV files of a data directory share: strict UTF-8, parsing
 * (PapaParse for a clean file, csv-parse for anything to report; see
 * parseLines), an exact header, each row with the physical line it starts on,
 * and the checks that hold for every field. Bad input never throws; it
 * becomes problems in a ProblemLog.
 */
import { CsvError, parse } from 'csv-parse/sync';
import Papa from 'papaparse';
import { AUTHORITY_ID, type DataProblem, emailProblem } from '../domain/index.js';

/** Problems listed per file; beyond this a file is garbage and the rest are only counted. */
export const MAX_PROBLEMS_PER_FILE = 200;

/**
 * A legitimate record is well under 2 KB. A stray quote makes csv-parse read
 * the rest of the file as one field; this stops that early instead of
 * buffering megabytes of garbage.
 */
const MAX_RECORD_CHARS = 100_000;

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none belongs in an email header. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Bidirectional controls (U+202A-202E, U+2066-2069, U+200E/F): they reorder the text around them in a subject or on screen. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
/** Characters that show nothing: zero-width space and joiners, word joiner, soft hyphen, a byte-order mark inside a value. */
const INVISIBLE = /[\u200b-\u200d\u2060\u00ad\ufeff]/;
/** Everything `show` writes as \uXXXX so that a reason shows what is really there. */
const SHOWN_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b-\u200d\u2060\u00ad\ufeff]/g;
const LINE_BREAK = /\r\n|\r|\n/g;
/**
 * What only csv-parse's exact reading may decide about: a quote inside a
 * value, or a control character (line breaks included), which is a problem to
 * report at its exact line.
 */
const UNUSUAL_IN_FIELD = /["\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b-\u200d\u2060\u00ad\ufeff]/;
/** A quote followed by white space other than the end of its line. */
const QUOTE_THEN_SPACE_LF = /"(?!\n)\s/;
const QUOTE_THEN_SPACE_CRLF = /"(?!\r\n)\s/;
const LF = 0x0a;
const CR = 0x0d;

/** One file's problems, in line order, at most MAX_PROBLEMS_PER_FILE of them listed. */
export class ProblemLog {
  private readonly listed: DataProblem[] = [];
  private unlisted = 0;
  /**
   * One problem per cell: a field that fails one check would often fail the
   * next too. Rows are checked in order, so only the current line's cells
   * need remembering, not every cell of a file of garbage.
   */
  private cellsLine = -1;
  private readonly cells = new Set<string>();
  /** Every authority with a problem here, including those past the listing limit. */
  readonly authorityIds = new Set<string>();
  /** A problem with the file as a whole (missing, not UTF-8, bad header): none of its rows can be trusted. */
  unreadable = false;

  constructor(readonly file: string) {}

  add(line: number, field: string, reason: string, authorityId?: string): void {
    this.record({ file: this.file, line, field, reason, ...(authorityId ? { authorityId } : {}) }, false);
  }

  /** A problem that makes every row of the file untrustworthy; always listed, whatever the limit. */
  addFileProblem(line: number, field: string, reason: string): void {
    this.unreadable = true;
    this.record({ file: this.file, line, field, reason }, true);
  }

  private record(problem: DataProblem, fileProblem: boolean): void {
    if (problem.line !== this.cellsLine) {
      this.cells.clear();
      this.cellsLine = problem.line;
    }
    if (this.cells.has(problem.field) && !fileProblem) return;
    this.cells.add(problem.field);
    if (problem.authorityId) this.authorityIds.add(problem.authorityId);
    if (fileProblem || this.listed.length < MAX_PROBLEMS_PER_FILE) this.listed.push(problem);
    else this.unlisted++;
  }

  get isEmpty(): boolean {
    return this.listed.length === 0;
  }

  problems(): DataProblem[] {
    if (this.unlisted === 0) return [...this.listed];
    const more = { file: this.file, line: 0, field: '-', reason: `... and ${this.unlisted} more problems in this file` };
    return [...this.listed, more];
  }
}

/** A value as quoted in a reason: control characters made visible, long values cut short. */
export function show(value: string): string {
  const visible = value.replace(SHOWN_ESCAPED, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${visible.length > 60 ? `${visible.slice(0, 57)}...` : visible}'`;
}

/** Reads one row's values, reporting each bad one against the row's line and authority. */
export class RowReader<C extends string> {
  /** False once any value of the row has been reported. */
  ok = true;

  constructor(
    private readonly row: CsvRow<C>,
    private readonly log: ProblemLog,
    readonly authorityId?: string,
  ) {}

  value(field: C): string {
    return this.row.fields[this.row.index[field]]!;
  }

  problem(field: C, reason: string): void {
    this.ok = false;
    this.log.add(this.row.line, field, reason, this.authorityId);
  }

  required(field: C): string {
    const value = this.value(field);
    if (value === '') this.problem(field, 'is empty');
    return value;
  }

  email(field: C): string {
    const value = this.required(field);
    const problem = value === '' ? undefined : emailProblem(value);
    if (problem !== undefined) this.problem(field, `${show(value)} is not a valid email address${problem ? `: ${problem}` : ''}`);
    return value;
  }
}

export type Utf8Result = { ok: true; text: string } | { ok: false; line: number };

/**
 * Decodes strictly; a UTF-8 byte-order mark is accepted and dropped. On
 * failure, names the first line with a bad byte (usually a file saved as
 * Windows-1252, with a '£' or an 'é' in it).
 */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, line: firstBadUtf8Line(bytes) };
  }
}

function firstBadUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  try {
    while (start < bytes.length) {
      const lf = bytes.indexOf(LF, start);
      const end = lf === -1 ? bytes.length : lf + 1;
      // stream: a character split across chunks is not an error; a bad byte is.
      decoder.decode(bytes.subarray(start, end), { stream: true });
      if (lf === -1) break;
      start = end;
      line++;
    }
    decoder.decode();
  } catch {
    return line;
  }
  return line;
}

/**
 * Turns csv-parse's byte offsets into the line numbers an editor shows
 * (a line ends at LF, CRLF or a lone CR). Offsets arrive in rising order,
 * so the file is scanned once, without an index the size of the file.
 */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Uint8Array) {}

  /**
   * The line holding the byte at `offset`. After a syntax error csv-parse can
   * report an offset behind one it reported before; that gets the current
   * line rather than a rescan from the start of a possibly huge file.
   */
  lineAt(offset: number): number {
    const end = Math.min(offset, this.bytes.length);
    if (end <= this.offset) return this.line;
    // indexOf is native and fast; bounding the slice keeps each search to the new bytes.
    const slice = this.bytes.subarray(this.offset, end);
    for (let i = slice.indexOf(LF); i !== -1; i = slice.indexOf(LF, i + 1)) this.line++;
    for (let i = slice.indexOf(CR); i !== -1; i = slice.indexOf(CR, i + 1)) {
      const next = this.offset + i + 1;
      if (next >= this.bytes.length || this.bytes[next] !== LF) this.line++;
    }
    this.offset = end;
    return this.line;
  }
}

function lineBreaksIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.indexOf('\n') !== -1 || field.indexOf('\r') !== -1) count += field.match(LINE_BREAK)?.length ?? 0;
  }
  return count;
}

/** A record, or a stretch csv-parse could not read, at the line where it starts. */
type ParsedLine = { line: number; fields: string[] } | { line: number; error: CsvError };

interface Parsed {
  /** Every record in file order, each on the line after the one before: the fast pass's result. */
  clean?: string[][];
  lines: ParsedLine[];
  /** Where reading stopped because too much of the file could not be read; null when it was read to the end. */
  stoppedAt: number | null;
}

/**
 * csv-parse builds an Error, stack and all, for every record it cannot read
 * or whose width differs from the header's: tens of microseconds each. A file
 * with this many is not this CSV (garbage, or ';' for ','), and reading the
 * rest would take minutes and say nothing new.
 */
export const MAX_UNREADABLE_RECORDS = 1000;

/** Thrown from csv-parse's callbacks to stop it: the sync API has no other way. */
const STOP = new Error('stop reading');

/**
 * Not relaxing the column count routes every record of the wrong width
 * through on_skip, where reading can be stopped; the record is still there
 * (error.record) to be reported as a row of the wrong width.
 */
const PARSE_OPTIONS = { skip_records_with_error: true, max_record_size: MAX_RECORD_CHARS } as const;

/**
 * Every record and syntax error of `body`, in file order.
 *
 * Two passes, each with the library that is best at it. Most files are
 * clean, and PapaParse reads them about five times faster than csv-parse.
 * PapaParse is lenient, though (a quote inside an unquoted value is taken as
 * text, and it does not say where a record ends), so its records are used
 * only when nothing in them can need an exact report: no error, the header's
 * width in every row, and no quote or control character (line breaks
 * included) in any value. Each record is then exactly one physical line.
 * Anything else is read again by csv-parse, which reports every error with
 * its code and byte offset; there a skipped record hides how many lines it
 * spanned, so csv-parse is asked where each record ends.
 */
function parseLines(body: Uint8Array, text: string): Parsed {
  const clean = parseClean(text);
  if (clean) return { clean, lines: [], stoppedAt: null };

  // csv-parse works on bytes; given a string it would encode it all again.
  const bytes = Buffer.from(body.buffer, body.byteOffset, withoutTrailingLineBreaks(body));
  const lines: ParsedLine[] = [];
  const counter = new LineCounter(body);
  let unreadable = 0;
  let stoppedAt: number | null = null;
  const addRecord = (fields: string[], endOffset: number): void => {
    lines.push({ line: counter.lineAt(endOffset - 1) - lineBreaksIn(fields), fields });
  };
  const onSkip = (error: CsvError | undefined): undefined => {
    if (!error) return undefined;
    const offset = typeof error.bytes === 'number' ? error.bytes : 0;
    const record = error.record;
    if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && isStringArray(record)) {
      addRecord(record, offset);
      if (record.every((field) => field.trim() === '')) return undefined;
    } else {
      // For a syntax error, error.bytes is within the failing record; error.lines is where
      // csv-parse noticed, which for a quote never closed is the end of the file.
      lines.push({ line: counter.lineAt(offset), error });
    }
    if (++unreadable >= MAX_UNREADABLE_RECORDS) {
      stoppedAt = lines.at(-1)?.line ?? 0;
      throw STOP;
    }
    return undefined;
  };
  try {
    parse(bytes, {
      ...PARSE_OPTIONS,
      on_skip: onSkip,
      on_record: (fields, info) => {
        addRecord(fields, info.bytes);
        return null;
      },
    });
  } catch (err) {
    if (err === STOP) return { lines, stoppedAt };
    if (!(err instanceof CsvError)) throw err;
    onSkip(err);
  }
  return { lines, stoppedAt };
}

/**
 * A file with nothing unusual in it, read by PapaParse: its records, one per
 * line. Null when csv-parse must read it. Exported for the test that checks
 * these records against csv-parse's on random input.
 */
export function parseClean(text: string): string[][] | null {
  // Papa would guess one line ending for the whole file; csv-parse takes any mix.
  const crlf = text.includes('\r');
  // Papa also accepts spaces between a closing quote and the next comma; csv-parse does not.
  if ((crlf ? QUOTE_THEN_SPACE_CRLF : QUOTE_THEN_SPACE_LF).test(text)) return null;
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === LF || text.charCodeAt(end - 1) === CR)) end--;
  const { data, errors } = Papa.parse<string[]>(end === text.length ? text : text.slice(0, end), {
    delimiter: ',',
    newline: crlf ? '\r\n' : '\n',
  });
  if (errors.length > 0 || data.length === 0) return null;
  const width = data[0]!.length;
  for (const fields of data) {
    if (fields.length !== width) return null;
    for (const field of fields) if (UNUSUAL_IN_FIELD.test(field)) return null;
  }
  return data;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The length of `body` without its trailing line breaks: each would be a blank record, which costs the fast path. */
function withoutTrailingLineBreaks(body: Uint8Array): number {
  let end = body.length;
  while (end > 0 && (body[end - 1] === LF || body[end - 1] === CR)) end--;
  return end;
}

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

  const { clean, lines, stoppedAt } = parseLines(body, decoded.text);
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
        if (CONTROL_CHARACTER.test(raw)) {
          const what = /[\r\n]/.test(raw) ? 'a line break' : 'a control character';
          log.add(line, header[i]!, `${show(raw)} contains ${what}; every value must be on one line with no control characters`, id);
        } else if (BIDI_CONTROL.test(raw)) {
          log.add(
            line,
            header[i]!,
            `${show(raw)} contains a bidirectional control character (${codePoint(raw, BIDI_CONTROL)}) that can reorder the text around it`,
            id,
          );
        } else if (INVISIBLE.test(raw)) {
          log.add(line, header[i]!, `${show(raw)} contains an invisible character (${codePoint(raw, INVISIBLE)}); remove it`, id);
        }
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
    if ('error' in parsed) {
      if (!headerChecked) {
        log.addFileProblem(line, '-', `the header line could not be read: ${csvErrorReason(parsed.error)}`);
        return;
      }
      const column = typeof parsed.error.column === 'number' ? header[parsed.error.column] : undefined;
      log.add(line, column ?? '-', csvErrorReason(parsed.error));
      continue;
    }
    if (!readRecord(parsed.fields, line, false)) return;
  }
  if (!headerChecked) log.addFileProblem(0, '-', `is empty; expected a header line: ${expectedHeader}`);
  if (stoppedAt !== null) {
    const reason = `stopped reading here: ${MAX_UNREADABLE_RECORDS} records could not be read as rows of ${expectedHeader}; is this the right file, saved as comma-separated values?`;
    log.addFileProblem(stoppedAt, '-', reason);
  }
}

/** Each column's index in the header, or null (after reporting why) when a column is missing, extra or repeated. */
function checkHeader<C extends string>(found: string[], columns: readonly C[], line: number, log: ProblemLog): Record<C, number> | null {
  const names = found.map((name) => name.trim());
  const expected = new Set<string>(columns);
  const present = new Set(names);
  let problems = 0;
  const problem = (field: string, reason: string) => {
    problems++;
    log.addFileProblem(line, field, `${reason}; the rows were not checked`);
  };
  for (const column of columns) {
    if (!present.has(column)) problem(column, `missing column '${column}'`);
  }
  names.forEach((name, i) => {
    if (!expected.has(name)) problem(name || `column ${i + 1}`, `unexpected column ${show(name)}`);
    else if (names.indexOf(name) !== i) problem(name, `column '${name}' appears more than once`);
  });
  if (problems > 0) return null;
  return Object.fromEntries(columns.map((column) => [column, names.indexOf(column)])) as Record<C, number>;
}

/** "U+202E": the first character of `value` that `pattern` matches. */
function codePoint(value: string, pattern: RegExp): string {
  const c = pattern.exec(value)?.[0] ?? '';
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function csvErrorReason(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value starting on this line is never closed; everything after it was read as one value';
    case 'INVALID_OPENING_QUOTE': {
      const start = typeof err.field === 'string' ? ` (after ${show(err.field)})` : '';
      return `a quote (") appears inside a value that does not start with one${start}; quote the whole value and double the inner quotes ("")`;
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted value has text after its closing quote; double any quote inside a value ("")';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is longer than ${MAX_RECORD_CHARS} characters (a stray quote?); the rest of the file was not read`;
    default:
      return `is not valid CSV: ${err.message}`;
  }
}
