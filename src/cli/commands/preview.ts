import { relative } from 'node:path';
import type { Config } from '../../config.js';
import { CliError, DataSetError, TemplateError } from '../../domain/index.js';
import { PdfPrinter } from '../../render/pdf/pdf-printer.js';
import { writePreview } from '../preview-gallery.js';
import type { Print } from '../print.js';

export interface PreviewCommandOptions {
  data: string;
  out: string;
  /** Also print each authority's letter on paper, shown page by page in the gallery. Default true (`--no-pdf` turns it off). */
  pdf?: boolean;
}

/**
 * `preview --data DIR --out DIR`: every letter for every recipient, and an
 * index.html to read them all; each authority's letter on paper beside them
 * (its PDF, and the PDF's pages as images when pdftoppm is installed).
 */
export async function previewCommand(options: PreviewCommandOptions, config: Config, print: Print): Promise<void> {
  const printer =
    options.pdf === false
      ? undefined
      : new PdfPrinter({
          executablePath: config.CHROMIUM_PATH,
          timeoutMs: config.PDF_TIMEOUT_MS,
          recycleAfter: config.PDF_BROWSER_LETTERS,
          pages: config.PDF_PAGES,
        });
  if (printer) print.err(`preview: printing each authority's letter on paper with ${(await printer.chromium()).description}`);
  try {
    const result = await writePreview({ dataDir: options.data, outDir: options.out, printer }).catch((error: unknown) => {
      throw error instanceof DataSetError || error instanceof TemplateError ? new CliError(error.message, 1) : error;
    });
    const paper = printer
      ? `, ${result.pdfs} on paper${result.pageImages ? '' : ' (pdftoppm, from poppler-utils, is not installed: the PDFs without page images)'}`
      : '';
    print.out(
      `preview: ${result.letters} letters for ${result.authorities} authorities${paper}; open ${relative(process.cwd(), result.indexPath)}`,
    );
  } finally {
    await printer?.close();
  }
}
