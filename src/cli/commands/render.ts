import { campaignTemplatesDir, loadDataSet } from '../../data/load-data-set.js';
import { CliError, recipientsOf } from '../../domain/index.js';
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
  if (!result.campaign) throw new CliError(`campaign.json in ${options.data} is not valid; run validate`, 1);
  const authority = result.validAuthorities.find((a) => a.id === options.authority);
  if (!authority) {
    const problems = result.problems.filter((p) => p.authorityId === options.authority);
    throw new CliError(
      problems.length > 0
        ? `authority ${options.authority} has problems: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`
        : `no authority with id ${options.authority} in ${options.data}`,
      1,
    );
  }
  const recipients = recipientsOf(authority);
  const recipient = recipients.find((r) => r.key === options.recipient);
  if (!recipient) {
    throw new CliError(`${options.authority} has no recipient ${options.recipient}; it has ${recipients.map((r) => r.key).join(', ')}`, 1);
  }
  const renderer = await createLetterRenderer(result.campaign, { templatesDir });
  const letter = renderer.render(authority, recipient);
  print.out(options.format === 'html' ? letter.html : `Subject: ${letter.subject}\n\n${letter.text}`);
}
