/**
 * The exact reading of a CSV file, with csv-parse: every record and every
 * stretch it cannot read, each at the line where it starts, with a reason a
 * person can act on. Used for any file the fast pass (csv-fast-pass.ts)
 * cannot be trusted with.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { LineCounter, lineBreaksIn } from './line-counter.js';
import { show } from './show-value.js';

/**
 * A legitimate record is well under 2 KB. A stray quote makes csv-parse read
 * the rest of the file as one field; this stops that early instead of
 * buffering megabytes of garbage.
 */
const MAX_RECORD_CHARS = 100_000;

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

const LF = 0x0a;
const CR = 0x0d;

/** A stretch csv-parse could not read: why, and the column it was in when known. */
export interface Unreadable {
  column?: number;
  reason: string;
}

/** A record, or a stretch csv-parse could not read, at the line where it starts. */
export type ParsedLine = { line: number; fields: string[] } | { line: number; unreadable: Unreadable };

export interface ExactReading {
  lines: ParsedLine[];
  /** Where reading stopped because too much of the file could not be read; null when it was read to the end. */
  stoppedAt: number | null;
}

/**
 * Every record and syntax error of `body`, in file order. A skipped record
 * hides how many lines it spanned, so csv-parse is asked where each record
 * ends (its byte offset) and the line is counted from there.
 */
export function readExact(body: Uint8Array): ExactReading {
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
      const column = typeof error.column === 'number' ? error.column : undefined;
      lines.push({
        line: counter.lineAt(offset),
        unreadable: { ...(column === undefined ? {} : { column }), reason: csvErrorReason(error) },
      });
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

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The length of `body` without its trailing line breaks: each would be a blank record, which costs the fast path. */
function withoutTrailingLineBreaks(body: Uint8Array): number {
  let end = body.length;
  while (end > 0 && (body[end - 1] === LF || body[end - 1] === CR)) end--;
  return end;
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
