import { relative } from 'node:path';
import { CliError, DataSetError, TemplateError } from '../../domain/index.js';
import { writePreview } from '../preview-gallery.js';
import type { Print } from '../print.js';

/** `preview --data DIR --out DIR`: every letter for every recipient, and an index.html to read them all. */
export async function previewCommand(options: { data: string; out: string }, print: Print): Promise<void> {
  const result = await writePreview({ dataDir: options.data, outDir: options.out }).catch((error: unknown) => {
    throw error instanceof DataSetError || error instanceof TemplateError ? new CliError(error.message, 1) : error;
  });
  print.out(`preview: ${result.letters} letters for ${result.authorities} authorities; open ${relative(process.cwd(), result.indexPath)}`);
}
