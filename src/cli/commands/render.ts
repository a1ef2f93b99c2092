import { didYouMean } from '../../data/did-you-mean.js';
import { campaignTemplatesDir, loadDataSet } from '../../data/load-data-set.js';
import { CliError, formatProblem, RenderError, recipientsOf, TemplateError } from '../../domain/index.js';
import { createLetterRenderer } from '../../render/letter-renderer.js';
import type { Print } from '../print.js';

export interface RenderOptions {
  data: string;
  authority: string;
  recipient: string;
  format: 'html' | 'text';
}

/** `render`: one letter to stdout, as the worker would send it. */
export async function renderCommand(options: RenderOptions, print: Print): Promise<void> {
  const templatesDir = campaignTemplatesDir(options.data);
  const result = await loadDataSet(options.data, { templatesDir });
  if (!result.campaign || result.campaignProblems.length > 0) {
    for (const problem of result.campaignProblems) print.err(formatProblem(problem));
    throw new CliError(`the campaign in ${options.data} has the problems listed above; fix them and render again`, 1);
  }
  const authority = result.validAuthorities.find((a) => a.id === options.authority);
  if (!authority) {
    const problems = result.problems.filter((p) => p.authorityId === options.authority);
    throw new CliError(
      problems.length > 0
        ? `authority ${options.authority} has problems: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`
        : `no authority with id ${options.authority} in ${options.data}${didYouMean(
            options.authority,
            result.validAuthorities.map((a) => a.id),
          )}`,
      1,
    );
  }
  const recipients = recipientsOf(authority);
  const recipient = recipients.find((r) => r.key === options.recipient);
  if (!recipient) {
    throw new CliError(`${options.authority} has no recipient ${options.recipient}; it has ${recipients.map((r) => r.key).join(', ')}`, 1);
  }
  const letter = await createLetterRenderer(result.campaign, { templatesDir })
    .then((renderer) => renderer.render(authority, recipient))
    .catch((error: unknown) => {
      throw error instanceof RenderError || error instanceof TemplateError ? new CliError(error.message, 1) : error;
    });
  print.out(options.format === 'html' ? letter.html : `Subject: ${letter.subject}\n\n${letter.text}`);
}
