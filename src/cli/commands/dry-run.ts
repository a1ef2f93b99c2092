import { toCsv } from '../../csv-file.js';
import { recipientsOf } from '../../domain/index.js';
import type { ValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';

export const DRY_RUN_COLUMNS = ['authority', 'recipient', 'role', 'address'] as const;

/**
 * `run --dry-run`: every (authority, recipient, role, address) the run would
 * send, as CSV on stdout, from the validated data; nothing is stored or
 * enqueued, and Redis is not needed. In a test run every address is the test
 * inbox, as it would be.
 */
export function printDryRun(data: ValidData, testTo: string | undefined, print: Print): number {
  const rows = data.authorities.flatMap((a) =>
    recipientsOf(a).map((r) => ({ authority: a.id, recipient: r.key, role: r.role, address: testTo ?? r.email })),
  );
  print.out(toCsv(rows, DRY_RUN_COLUMNS).trimEnd());
  print.err(
    `dry run: ${rows.length} deliveries to ${data.authorities.length} authorities${testTo ? `, every one to the test inbox ${testTo}` : ''}; nothing was stored or enqueued`,
  );
  return rows.length;
}
