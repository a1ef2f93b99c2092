/** A problem with the input, always pointing at a file, a line and a field. */
export interface DataProblem {
  file: string;
  /** 1-based line in the file; 0 when the problem is with the file as a whole. */
  line: number;
  field: string;
  reason: string;
  /** The authority the problem belongs to, when known (for the preview gallery). */
  authorityId?: string;
}

export function formatProblem(p: DataProblem): string {
  return `${p.file}:${p.line}: ${p.field}: ${p.reason}`;
}
