/**
 * A PDF's pages as JPEG images, for people to look at (the preview gallery):
 * drawn by poppler's pdftoppm, which reads the PDF's own bytes, so the
 * images show what will be printed whichever Chromium made it. pdftoppm is
 * Debian's poppler-utils; without it there are no images, and the caller
 * links the PDF instead.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Writes `<prefix>-1.jpg`, `<prefix>-2.jpg`, ... (pdftoppm pads the number
 * to the page count's width) and returns their file names in page order;
 * null when pdftoppm is not installed. JPEG rather than PNG: a page of text
 * at screen resolution is as small either way, and pdftoppm writes a JPEG
 * five times faster.
 */
export async function writePageImages(pdfPath: string, prefix: string, dpi: number): Promise<string[] | null> {
  try {
    await run('pdftoppm', ['-jpeg', '-jpegopt', 'quality=80', '-r', String(dpi), pdfPath, prefix]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const name = basename(prefix);
  const page = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)\\.jpg$`);
  const files = (await readdir(dirname(prefix))).filter((file) => page.test(file));
  return files.sort((a, b) => Number(page.exec(a)?.[1]) - Number(page.exec(b)?.[1]));
}
