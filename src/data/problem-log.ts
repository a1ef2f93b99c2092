/**
 * One file's problems as the data stage collects them: in line order, one per
 * cell, at most MAX_PROBLEMS_PER_FILE listed and the rest counted. Bad input
 * never throws; it becomes problems here.
 */
import type { DataProblem } from '../domain/index.js';

/** Problems listed per file; beyond this a file is garbage and the rest are only counted. */
export const MAX_PROBLEMS_PER_FILE = 200;

export class ProblemLog {
  private readonly listed: DataProblem[] = [];
  private unlisted = 0;
  /**
   * One problem per cell: a field that fails one check would often fail the
   * next too. Rows are checked in order, so only the current line's cells
   * need remembering, not every cell of a file of garbage.
   */
  private cellsLine: number | undefined = -1;
  private readonly cells = new Set<string>();
  /** Every authority with a problem here, including those past the listing limit. */
  readonly authorityIds = new Set<string>();
  /** A problem with the file as a whole (missing, not UTF-8, bad header): none of its rows can be trusted. */
  unreadable = false;

  constructor(readonly file: string) {}

  add(line: number, field: string, reason: string, authorityId?: string): void {
    this.record({ file: this.file, line, field, reason, ...(authorityId ? { authorityId } : {}) }, false);
  }

  /**
   * A problem that makes every row of the file untrustworthy; always listed,
   * whatever the limit. `line` where one line is to blame (a bad header, a
   * byte that is not UTF-8); none for the file as a whole (empty, no rows).
   */
  addFileProblem(line: number | undefined, field: string, reason: string): void {
    this.unreadable = true;
    this.record({ file: this.file, ...(line === undefined ? {} : { line }), field, reason }, true);
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
    const more = { file: this.file, field: '-', reason: `... and ${this.unlisted} more problems in this file` };
    return [...this.listed, more];
  }
}
