/**
 * Reading a PDF back with poppler (pdftotext, pdfinfo, pdffonts, pdftoppm;
 * .ci/run installs poppler-utils) and from its own bytes, with no browser
 * involved in the checking.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Each page's text, in reading order (pdftotext ends each page with a form feed). */
export function pageTexts(pdfPath: string): string[] {
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
  const pages = text.split('\f');
  // The form feed after the last page leaves an empty string behind it.
  if (pages.at(-1)?.trim() === '') pages.pop();
  return pages;
}

export const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** pdfinfo's lines as name -> value ("Title" -> "Annual Review letter ..."). */
export function pdfInfo(pdfPath: string): Map<string, string> {
  const out = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
  return new Map(
    out
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

/** The structure tree as pdfinfo -struct prints it: one element per line, indented by depth. */
export function structureTree(pdfPath: string): string {
  return execFileSync('pdfinfo', ['-struct', pdfPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

export interface PdfFont {
  name: string;
  type: string;
  embedded: boolean;
}

/** Every font of the PDF, as pdffonts lists them. */
export function pdfFonts(pdfPath: string): PdfFont[] {
  const lines = execFileSync('pdffonts', [pdfPath], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  // name, type (may hold spaces), encoding, emb, sub, uni, object number and generation: read from the right.
  return lines.map((line) => {
    const cells = line.trim().split(/\s+/);
    return { name: cells[0]!, type: cells.slice(1, -6).join(' '), embedded: cells.at(-5) === 'yes' };
  });
}

/**
 * The alternative text of every Figure in the structure tree. Chromium
 * writes structure elements as plain (uncompressed) objects, so they are
 * read from the bytes: `/S /Figure` and its `/Alt (...)` string.
 */
export function figureAltTexts(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const alts: string[] = [];
  for (const m of text.matchAll(/<<\/Type \/StructElem\s*\/S \/Figure\b([\s\S]*?)>>/g)) {
    const alt = /\/Alt \(((?:\\.|[^\\)])*)\)/.exec(m[1]!)?.[1];
    alts.push(alt === undefined ? '' : alt.replace(/\\(.)/g, '$1'));
  }
  return alts;
}

/** The document catalog's dictionary (uncompressed in Chromium's PDFs): it names the language and the structure tree. */
export function catalog(pdf: Buffer): string {
  return /<<\s*\/Type \/Catalog[\s\S]*?endobj/.exec(pdf.toString('latin1'))?.[0] ?? '';
}

/** A greyscale page image: one byte a pixel, 255 white. */
export interface GreyPage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** A binary PGM (P5) as pdftoppm -gray writes it: "P5\n<w> <h>\n255\n" then the pixels, row by row. */
export function readPgm(bytes: Buffer): GreyPage {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (header?.[3] !== '255') throw new Error('not an 8-bit binary PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const pixels = bytes.subarray(header[0].length);
  if (pixels.length !== width * height) throw new Error(`PGM holds ${pixels.length} pixels, not ${width} x ${height}`);
  return { width, height, pixels };
}

/** Every page of the PDF as a greyscale image at `dpi`, through pdftoppm into `dir`. */
export function pageImages(pdfPath: string, dir: string, dpi: number): GreyPage[] {
  execFileSync('pdftoppm', ['-gray', '-r', String(dpi), pdfPath, join(dir, 'page')]);
  return readdirSync(dir)
    .filter((name) => /^page-\d+\.pgm$/.test(name))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
    .map((name) => readPgm(readFileSync(join(dir, name))));
}

/** Non-white pixels in the columns [from, to) of a page: their count, and the first one found. */
export function marksInColumns(page: GreyPage, from: number, to: number): { count: number; first: { x: number; y: number } | null } {
  let count = 0;
  let first: { x: number; y: number } | null = null;
  for (let y = 0; y < page.height; y++) {
    for (let x = from; x < to; x++) {
      if (page.pixels[y * page.width + x]! < 255) {
        count++;
        first ??= { x, y };
      }
    }
  }
  return { count, first };
}
