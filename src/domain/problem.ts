/** A problem with the input, always pointing at a file, and at a line and a field where one is to blame. */
export interface DataProblem {
  file: string;
  /** 1-based line in the file; absent when the problem is with the file as a whole (missing, empty, a folder). */
  line?: number;
  /** The column, key or figure to blame; '-' when none is. */
  field: string;
  reason: string;
  /** The authority the problem belongs to, when known (for the preview gallery). */
  authorityId?: string;
}

/**
 * `file:line: field: reason`, the form editors jump to; a problem with the
 * file as a whole has no line (`contacts.csv: file not found`).
 */
export function formatProblem(p: DataProblem): string {
  const field = p.field === '-' ? '' : `${p.field}: `;
  if (p.line === undefined) return `${p.file}: ${field}${p.reason}`;
  return `${p.file}:${p.line}: ${p.field}: ${p.reason}`;
}

/** A warning: something worth a second look that may be right; printed, never a reason to refuse. */
export function formatWarning(p: DataProblem): string {
  return `warning: ${formatProblem(p)}`;
}
