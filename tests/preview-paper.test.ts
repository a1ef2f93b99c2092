/**
 * `preview` shows the letter on paper: each authority's PDF (the bytes its
 * recipients get) and its pages as images beside its letters, drawn by
 * poppler's pdftoppm; without pdftoppm, the PDFs alone, and the gallery
 * says why.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewCommand } from '../src/cli/commands/preview.js';
import { writePreview } from '../src/cli/preview-gallery.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { createLetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { writeDataSet } from './support/data-set.js';
import { pdfInfo } from './support/pdf.js';
import { testConfig, uniquePrefix } from './support/redis.js';

/** A baseline JPEG's size, from its start-of-frame segment (FF C0: length, precision, height, width). */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  for (let i = 2; i + 9 < bytes.length && bytes[i] === 0xff; i += 2 + bytes.readUInt16BE(i + 2)) {
    if (bytes[i + 1]! >= 0xc0 && bytes[i + 1]! <= 0xc2) return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
  }
  return null;
}

let dir = '';
let data = '';
const IDS = ['alpha', 'beta'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-preview-paper-'));
  data = join(dir, 'data');
  await writeDataSet(data, [{ id: 'alpha', stats: [12, 9, 4, 3, 2], kind: 'london-borough', population: 250000 }, { id: 'beta' }]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the preview gallery on paper', () => {
  let out = '';
  let index = '';
  const said: string[] = [];

  beforeAll(async () => {
    out = join(dir, 'preview');
    await previewCommand({ data, out }, testConfig(uniquePrefix('preview-paper')), {
      out: (line) => said.push(line),
      err: (line) => said.push(line),
    });
    index = await readFile(join(out, 'index.html'), 'utf8');
  }, 60_000);

  it("writes each authority's PDF, the very bytes its recipients get", async () => {
    const { dataSet } = await loadDataSet(data);
    const renderer = await createLetterRenderer(dataSet!.campaign, { templatesDir: join(data, 'templates') });
    const printer = new PdfPrinter();
    try {
      for (const authority of dataSet!.authorities) {
        const attached = (await letterPdf(printer, dataSet!.campaign, renderer, authority)).content;
        expect((await readFile(join(out, authority.id, 'letter.pdf'))).equals(attached), authority.id).toBe(true);
      }
    } finally {
      await printer.close();
    }
  }, 60_000);

  it('draws every page of each PDF as an image, and shows them in the index beside the letters, linked to the PDF', async () => {
    for (const id of IDS) {
      const pages = Number(pdfInfo(join(out, id, 'letter.pdf')).get('Pages'));
      expect(pages).toBeGreaterThan(1);
      const images = (await readdir(join(out, id))).filter((f) => f.endsWith('.jpg')).sort();
      expect(images).toEqual(Array.from({ length: pages }, (_, i) => `letter-${i + 1}.jpg`));
      for (const image of images) {
        const bytes = await readFile(join(out, id, image));
        // A JPEG (it starts FF D8 FF) of an A4 page at 72 dpi: 595 x 842 pixels.
        expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
        expect(jpegSize(bytes)).toEqual({ width: 595, height: 842 });
      }
      const row = index.slice(index.indexOf(`<tr id="${id}">`), index.indexOf('</tr>', index.indexOf(`<tr id="${id}">`)));
      expect(row).toContain(`<a href="${id}/letter.pdf">PDF</a> (${pages} pages)`);
      for (let page = 1; page <= pages; page++) {
        expect(row).toContain(
          `<a href="${id}/letter-${page}.jpg"><img src="${id}/letter-${page}.jpg" alt="page ${page} of ${pages} of the letter to ${id.toUpperCase()} Council" loading="lazy"></a>`,
        );
      }
    }
    expect(index).toContain('<th scope="col">On paper</th>');
    expect(said.at(-1)).toMatch(/^preview: \d+ letters for 2 authorities, 2 on paper; open /);
    expect(said[0]).toBe("preview: printing each authority's letter on paper with /usr/bin/chromium-headless-shell (CHROMIUM_PATH)");
  });

  it('leaves the letters on paper out with --no-pdf', async () => {
    const plain = join(dir, 'plain');
    await previewCommand({ data, out: plain, pdf: false }, testConfig(uniquePrefix('preview-plain')), { out: () => {}, err: () => {} });
    expect((await readdir(join(plain, 'alpha'))).filter((f) => f.startsWith('letter'))).toEqual([]);
    expect(await readFile(join(plain, 'index.html'), 'utf8')).not.toContain('On paper');
  });
});

describe('the preview gallery on a machine without pdftoppm', () => {
  it('links each PDF, and says the pages are not shown because pdftoppm is not installed', async () => {
    const out = join(dir, 'no-pdftoppm');
    const printer = new PdfPrinter();
    const path = process.env.PATH;
    // A PATH with nothing on it: pdftoppm cannot be found, as where poppler-utils is not installed.
    process.env.PATH = await mkdtemp(join(dir, 'empty-path-'));
    try {
      const result = await writePreview({ dataDir: data, outDir: out, printer });
      expect(result).toMatchObject({ pdfs: 2, pageImages: false });
    } finally {
      process.env.PATH = path;
      await printer.close();
    }
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(index).toContain("pdftoppm (Debian's poppler-utils) is not installed, so the pages are not shown: open each PDF.");
    expect(index).toContain('<a href="alpha/letter.pdf">PDF</a>\n<div class="pages"></div>');
    expect((await readdir(join(out, 'alpha'))).filter((f) => f.endsWith('.jpg'))).toEqual([]);
  }, 60_000);
});
