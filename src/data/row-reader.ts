/** One CSV row's values read by column, each bad one reported against the row's line and authority. */
import { emailProblem } from '../domain/index.js';
import type { ProblemLog } from './problem-log.js';
import type { CsvRow } from './read-csv.js';
import { show } from './show-value.js';

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
