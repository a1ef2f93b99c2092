/**
 * The letter as a PDF: printed by Debian's Chromium from the email's own
 * HTML, read back with poppler (pdftotext, pdfinfo) and by reading the PDF's
 * catalog, with no browser involved in the checking.
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

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("the seed authority's letter as a PDF", () => {
  it('reads, through pdftotext, paragraph for paragraph as the seed letter', () => {
    const pdfWords = words(execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' }));
    // Each seed paragraph must be the next run of words in the PDF, and nothing may be left over.
    const expected = paragraphs(seed);
    const read = expected.map((paragraph) => pdfWords.splice(0, words(paragraph).length).join(' '));
    expect(read).toEqual(expected);
    expect(pdfWords).toEqual([]);
  });

  it('is tagged, titled with the subject, A4, and dated the letter date (pdfinfo)', () => {
    const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toContain(`Title:           ${SUBJECT}`);
    expect(info).toMatch(/^Page size:\s+595\.\d+ x 842\.\d+ pts \(A4\)$/m);
    expect(info).toMatch(/^CreationDate:\s+Wed Jul 17 00:00:00 2024 UTC$/m);
  });

  it('has a structure tree with headings and paragraphs (pdfinfo -struct) and the language en-GB in its catalog', () => {
    const structure = execFileSync('pdfinfo', ['-struct', pdfPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(structure.split('\n')[0]).toBe('Document');
    expect(structure).toMatch(/^\s+H1 \(block\)$/m);
    expect(structure).toMatch(/^\s+H2 \(block\)$/m);
    expect(structure.match(/^\s+P \(block\)$/gm)?.length).toBeGreaterThan(20);
    // Chromium writes the catalog object uncompressed: its dictionary names the structure tree and the language.
    const catalog = /<<\s*\/Type \/Catalog[\s\S]*?endobj/.exec(pdf.toString('latin1'))?.[0] ?? '';
    expect(catalog).toMatch(/\/StructTreeRoot \d+ 0 R/);
    expect(catalog).toContain('/Lang (en-GB)');
    expect(catalog).toContain('/MarkInfo');
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
