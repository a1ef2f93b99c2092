/**
 * The fast reading of a clean CSV file, with PapaParse: about five times
 * faster than csv-parse. PapaParse is lenient, though (a quote inside an
 * unquoted value is taken as text, and it does not say where a record ends),
 * so its records are used only when nothing in them can need an exact
 * report; anything else is left to the exact pass (csv-exact-pass.ts).
 */
import Papa from 'papaparse';
import { UNUSUAL_IN_FIELD } from './field-characters.js';

/** A quote followed by white space other than the end of its line. */
const QUOTE_THEN_SPACE_LF = /"(?!\n)\s/;
const QUOTE_THEN_SPACE_CRLF = /"(?!\r\n)\s/;
const LF = 0x0a;
const CR = 0x0d;

/**
 * A file with nothing unusual in it: its records, one per line. Null when
 * csv-parse must read it: any error, a row of another width than the first,
 * or a quote or control character (line breaks included) in any value.
 * tests/data-fuzz.test.ts holds these records to csv-parse's on random input.
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
