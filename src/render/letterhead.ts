/**
 * The letterhead's logo, read from the campaign's templates folder once,
 * when the templates are compiled, and kept in the compiled letter as a
 * data: URI: the approved bytes travel with the campaign to every worker.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Letterhead, TemplateError } from '../domain/index.js';

/** A logo goes into every PDF and into Redis with the campaign: a large one is a mistake (an unscaled photograph). */
export const MAX_LOGO_BYTES = 512 * 1024;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The logo as a data: URI; throws a TemplateError naming campaign.json's letterhead.logo when it is missing or not what it says. */
export async function readLetterheadLogo(templatesDir: string, letterhead: Letterhead): Promise<string> {
  const file = path.join(templatesDir, letterhead.logo);
  const where = `campaign.json letterhead.logo (${file})`;
  const bytes = await readFile(file).catch(() => {
    throw new TemplateError(`${where}: file not found; the logo must be a file in the campaign's templates folder`);
  });
  if (bytes.length === 0) throw new TemplateError(`${where}: the file is empty`);
  if (bytes.length > MAX_LOGO_BYTES) {
    throw new TemplateError(`${where}: ${bytes.length} bytes, over ${MAX_LOGO_BYTES}; it is in every PDF: make it smaller`);
  }
  if (letterhead.logo.endsWith('.png')) {
    if (!bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) throw new TemplateError(`${where}: not a PNG image`);
    return `data:image/png;base64,${bytes.toString('base64')}`;
  }
  if (!/<svg[\s>]/.test(bytes.toString('utf8'))) throw new TemplateError(`${where}: not an SVG image (no <svg> element)`);
  return `data:image/svg+xml;base64,${bytes.toString('base64')}`;
}
