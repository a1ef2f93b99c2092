/**
 * Every CSV this package writes goes through `toCsv`: report, gaps,
 * `registrations list`, the export to monitoring-officers.csv, `run
 * --dry-run` and publish's index.csv. Operators open these files in a
 * spreadsheet, and some cells hold text strangers wrote (a bounce's
 * diagnostic, a registration's name): a cell that starts with = + - @ (or a
 * tab or carriage return, which some spreadsheets skip before looking) would
 * be read as a formula, `=HYPERLINK("https://evil.example","x")` a live link.
 * Such a cell gets a leading apostrophe, as OWASP's CSV-injection advice
 * says: the spreadsheet shows the text, and no formula runs.
 * tests/csv-file.test.ts holds every writer to this one function.
 */
import { stringify } from 'csv-stringify/sync';

/** The first characters that make a spreadsheet read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as written: text a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * Rows as CSV text with a header, every string cell through `csvCell`. Numbers
 * are written as numbers (a negative count is a number, not a formula).
 */
export function toCsv<Row extends object>(rows: readonly Row[], columns: readonly string[]): string {
  return stringify([...rows], {
    header: true,
    columns: [...columns],
    cast: { string: (value) => csvCell(value) },
  });
}
