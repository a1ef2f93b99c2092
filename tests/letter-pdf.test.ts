/**
 * The letter as a PDF: printed by Debian's Chromium from the campaign's
 * print layout (the email's partials on A4), read back with poppler
 * (pdftotext, pdfinfo) and by reading the PDF's catalog, with no browser
 * involved in the checking. tests/letter-paper.test.ts looks at the pages.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, type Campaign, letterPdfName } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { paragraphs } from './render/fixtures.js';
import { catalog, pageTexts, words } from './support/pdf.js';

const seed = readFileSync(new URL('./render/seed-letter-2023-24-lcrca.txt', import.meta.url), 'utf8');
const SUBJECT = 'Annual Review letter 2023-24: Liverpool City Region Combined Authority';

let printer: PdfPrinter;
let campaign: Campaign;
let lcrca: Authority;
let renderer: LetterRenderer;
let dir: string;
let pdfPath: string;
let pdf: Buffer;

beforeAll(async () => {
  const loaded = await loadDataSet(SAMPLE_DATA_DIR);
  campaign = loaded.dataSet!.campaign;
  lcrca = loaded.dataSet!.authorities.find((a) => a.id === 'lcrca')!;
  renderer = await createLetterRenderer(campaign);
  printer = new PdfPrinter();
  pdf = (await letterPdf(printer, campaign, renderer, lcrca)).content;
  dir = await mkdtemp(join(tmpdir(), 'arm-pdf-'));
  pdfPath = join(dir, 'lcrca.pdf');
  await writeFile(pdfPath, pdf);
}, 60_000);

afterAll(async () => {
  await printer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the seed authority's letter as a PDF", () => {
  it('reads, through pdftotext, as the letterhead, then the seed letter paragraph for paragraph, then page numbers only', () => {
    const pages = pageTexts(pdfPath);
    // Each page ends with its number; without them, the words are the letterhead's and the seed's, and nothing else.
    const pdfWords = pages.flatMap((page, i) => {
      const pageWords = words(page);
      expect(pageWords.splice(-4).join(' ')).toBe(`Page ${i + 1} of ${pages.length}`);
      return pageWords;
    });
    expect(pdfWords.splice(0, words(campaign.letterhead!.address.join(' ')).length)).toEqual(words(campaign.letterhead!.address.join(' ')));
    const expected = paragraphs(seed);
    const read = expected.map((paragraph) => pdfWords.splice(0, words(paragraph).length).join(' '));
    expect(read).toEqual(expected);
    expect(pdfWords).toEqual([]);
  });

  it('is tagged, titled with the subject, A4, and dated the letter date (pdfinfo)', () => {
    const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toContain(`Title:           ${SUBJECT}`);
    // A4 is 595.28 x 841.89 points; Chromium rounds the page to its own pixels.
    const [, width, height] = /^Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)$/m.exec(info) ?? [];
    expect(Math.abs(Number(width) - 595.28)).toBeLessThan(1);
    expect(Math.abs(Number(height) - 841.89)).toBeLessThan(1);
    expect(info).toMatch(/^CreationDate:\s+Wed Jul 17 00:00:00 2024 UTC$/m);
  });

  it('has a structure tree with headings and paragraphs (pdfinfo -struct) and the language en-GB in its catalog', () => {
    const structure = execFileSync('pdfinfo', ['-struct', pdfPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(structure.split('\n')[0]).toBe('Document');
    expect(structure).toMatch(/^\s+H1 \(block\)$/m);
    expect(structure).toMatch(/^\s+H2 \(block\)$/m);
    expect(structure.match(/^\s+P \(block\)$/gm)?.length).toBeGreaterThan(20);
    // Chromium writes the catalog object uncompressed: its dictionary names the structure tree and the language.
    expect(catalog(pdf)).toMatch(/\/StructTreeRoot \d+ 0 R/);
    expect(catalog(pdf)).toContain('/Lang (en-GB)');
    expect(catalog(pdf)).toContain('/MarkInfo');
  });

  it('is byte-identical every time it is printed, so every recipient and every rerun get the same file', async () => {
    // Printed again on a tab that has just printed another authority's letter (tabs are reused) ...
    const other = (await loadDataSet(SAMPLE_DATA_DIR)).dataSet!.authorities.find((a) => a.id !== 'lcrca')!;
    const otherPdf = (await letterPdf(printer, campaign, renderer, other)).content;
    const again = (await letterPdf(printer, campaign, renderer, lcrca)).content;
    expect(otherPdf.equals(pdf)).toBe(false);
    expect(again.equals(pdf)).toBe(true);
    // ... and in a browser of its own.
    const fresh = new PdfPrinter();
    try {
      expect((await letterPdf(fresh, campaign, renderer, lcrca)).content.equals(pdf)).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('is named for the year and the authority, with only safe characters', () => {
    expect(letterPdfName('2023-24', 'Liverpool City Region Combined Authority')).toBe(
      'Annual Review letter 2023-24 - Liverpool City Region Combined Authority.pdf',
    );
    expect(letterPdfName('2023-24', 'Bath/North: "East" <Somerset>\u0007')).toBe(
      'Annual Review letter 2023-24 - Bath-North- -East- -Somerset-.pdf',
    );
  });
});
