import { campaignTemplatesDir, loadDataSet } from '../../data/load-data-set.js';
import { CliError, formatProblem, formatWarning, recipientsOf } from '../../domain/index.js';
import { withLetterFailures } from '../../operations/letter-failures.js';
import type { Print } from '../print.js';

/** `validate --data DIR`: every problem as file:line: field: reason; exit 1 if any. */
export async function validateCommand(options: { data: string }, print: Print): Promise<void> {
  const templatesDir = campaignTemplatesDir(options.data);
  const result = await withLetterFailures(await loadDataSet(options.data, { templatesDir }), templatesDir);
  for (const problem of result.problems) print.out(formatProblem(problem));
  for (const warning of result.warnings) print.out(formatWarning(warning));
  if (!result.dataSet) throw new CliError(`${options.data} has the problems listed above; fix them and validate again`, 1);
  const deliveries = result.dataSet.authorities.reduce((n, a) => n + recipientsOf(a).length, 0);
  const warnings = result.warnings.length > 0 ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'} above)` : '';
  print.out(
    `ok: campaign ${result.dataSet.campaign.id}, ${result.dataSet.authorities.length} authorities, ${deliveries} deliveries${warnings}`,
  );
}
