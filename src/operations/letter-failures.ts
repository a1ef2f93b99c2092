/**
 * A trial render before anything is approved or sent: the templates compiled
 * as a run compiles them (MJML strict included), then every letter of the
 * given authorities, every recipient, rendered as a worker would. A template
 * that fails only for some data (a blank figure printed without {{#if}}) is
 * found here, said as validate says a problem, once however many letters it
 * breaks.
 */
import type { LoadResult } from '../data/load-data-set.js';
import { type Authority, type Campaign, type DataProblem, recipientsOf, TemplateError } from '../domain/index.js';
import { createLetterRenderer } from '../render/letter-renderer.js';
import { TemplateFailure } from '../render/template-failure.js';
import { LETTER_TEMPLATE } from '../render/templates.js';

/**
 * A loaded data set with its letters tried too: each failure is a problem
 * with the templates (so nothing is sent, and --skip-invalid cannot skip it).
 * Templates with a problem of their own already are not tried: every letter
 * would fail the same way.
 */
export async function withLetterFailures(result: LoadResult, templatesDir: string): Promise<LoadResult> {
  if (!result.campaign || result.campaignProblems.length > 0) return result;
  const failures = await letterFailures(result.campaign, result.validAuthorities, templatesDir);
  if (failures.length === 0) return result;
  return {
    ...result,
    dataSet: null,
    problems: [...result.problems, ...failures],
    campaignProblems: [...result.campaignProblems, ...failures],
    skippable: false,
  };
}

export async function letterFailures(campaign: Campaign, authorities: readonly Authority[], templatesDir: string): Promise<DataProblem[]> {
  let renderer: Awaited<ReturnType<typeof createLetterRenderer>>;
  try {
    renderer = await createLetterRenderer(campaign, { templatesDir });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return [{ file: `templates/${LETTER_TEMPLATE}`, field: '-', reason: error.message }];
  }
  const failures = new Map<string, { problem: DataProblem; first: string; letters: number }>();
  for (const authority of authorities) {
    for (const recipient of recipientsOf(authority)) {
      try {
        renderer.render(authority, recipient);
      } catch (error) {
        if (!(error instanceof TemplateFailure)) throw error;
        const seen = failures.get(error.message);
        if (seen) seen.letters++;
        else failures.set(error.message, { problem: error.problem, first: `${authority.id} (${recipient.key})`, letters: 1 });
      }
    }
  }
  return [...failures.values()].map(({ problem, first, letters }) => ({
    ...problem,
    reason: `${problem.reason} (the letter to ${first}${letters === 1 ? '' : ` and ${letters - 1} more`})`,
  }));
}
