/** A CSV file's header line against the columns it must have, in any order. */
import type { ProblemLog } from './problem-log.js';
import { show } from './show-value.js';

/** Each column's index in the header, or null (after reporting why) when a column is missing, extra or repeated. */
export function checkHeader<C extends string>(
  found: string[],
  columns: readonly C[],
  line: number,
  log: ProblemLog,
): Record<C, number> | null {
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
