/**
 * Loads a data directory for a command that is about to send: every problem
 * is printed as file:line: field: reason, and nothing goes ahead while any
 * row is bad, unless the operator asked to skip the bad rows.
 */

import { campaignTemplatesDir, loadDataSet } from '../data/load-data-set.js';
import { type Authority, type Campaign, CliError, formatProblem, formatWarning } from '../domain/index.js';
import { withLetterFailures } from '../operations/letter-failures.js';

export interface ValidData {
  campaign: Campaign;
  authorities: Authority[];
  skipped: string[];
  /** The data folder, where the authorities' own attachments are read from when the campaign is stored. */
  dir: string;
}

export async function loadValidData(
  dir: string,
  options: { skipInvalid?: boolean; print: (line: string) => void; templatesDir?: string },
): Promise<ValidData> {
  const templatesDir = campaignTemplatesDir(dir, options.templatesDir);
  const result = await withLetterFailures(await loadDataSet(dir, { templatesDir }), templatesDir);
  for (const problem of result.problems) options.print(formatProblem(problem));
  for (const warning of result.warnings) options.print(formatWarning(warning));
  if (result.dataSet) return { ...result.dataSet, skipped: [], dir };
  if (!options.skipInvalid || !result.campaign) {
    throw new CliError(
      `${result.problems.length} problem(s) in ${dir}; nothing was enqueued` +
        (result.skippable ? ' (fix them, or pass --skip-invalid to send only the valid authorities)' : ''),
      1,
    );
  }
  const valid = new Set(result.validAuthorities.map((a) => a.id));
  const skipped = [...new Set(result.problems.map((p) => p.authorityId).filter((id): id is string => !!id && !valid.has(id)))];
  const fileLevel = result.problems.filter((p) => !p.authorityId);
  if (fileLevel.length > 0) {
    throw new CliError(`${fileLevel.length} problem(s) not tied to one authority; --skip-invalid cannot skip those`, 1);
  }
  options.print(`--skip-invalid: skipping ${skipped.length} authorities with problems: ${skipped.join(', ')}`);
  return { campaign: result.campaign, authorities: result.validAuthorities, skipped, dir };
}
