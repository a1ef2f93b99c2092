import { campaignTemplatesDir, loadDataSet } from '../../data/load-data-set.js';
import { CliError, formatProblem, recipientsOf } from '../../domain/index.js';
import type { Print } from '../print.js';

/** `validate --data DIR`: every problem as file:line: field: reason; exit 1 if any. */
export async function validateCommand(options: { data: string }, print: Print): Promise<void> {
  const result = await loadDataSet(options.data, { templatesDir: campaignTemplatesDir(options.data) });
  for (const problem of result.problems) print.out(formatProblem(problem));
  if (!result.dataSet) throw new CliError(`${options.data} has the problems listed above; fix them and validate again`, 1);
  const deliveries = result.dataSet.authorities.reduce((n, a) => n + recipientsOf(a).length, 0);
  print.out(`ok: campaign ${result.dataSet.campaign.id}, ${result.dataSet.authorities.length} authorities, ${deliveries} deliveries`);
}
