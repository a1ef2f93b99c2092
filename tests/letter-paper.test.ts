/**
 * The letter on paper, looked at page by page as a person would: two
 * authorities of the bundled 2023-24 sample, one with no investigations
 * (Liverpool City Region Combined Authority, the seed letter's) and a
 * council with many (Liverpool City Council), printed by Debian's Chromium,
 * each page turned into an image by poppler's pdftoppm and read back with
 * pdftotext, pdfinfo and pdffonts.
 */

import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, type Campaign, recipientsOf } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { paragraphs } from './render/fixtures.js';
import {
  catalog,
  figureAltTexts,
  type GreyPage,
  marksInColumns,
  pageImages,
  pageTexts,
  pdfFonts,
  pdfInfo,
  structureTree,
  words,
} from './support/pdf.js';

const seed = readFileSync(new URL('./render/seed-letter-2023-24-lcrca.txt', import.meta.url), 'utf8');

/** Pages are looked at in 100 dpi images; 20 mm is 78.7 pixels there, so columns 0-77 from each side lie wholly in the margin. */
const DPI = 100;
const MARGIN_PX = Math.floor((20 / 25.4) * DPI);

/** The statistics blocks' headings, in the order "The statistics page" of the letter's spec gives them. */
const STATISTICS = ['Complaints upheld', 'Compliance with Ombudsman recommendations', 'Satisfactory remedies provided by the authority'];

interface Printed {
  authority: Authority;
  pdf: Buffer;
  path: string;
  texts: string[];
  images: GreyPage[];
}

let dir = '';
let campaign: Campaign;
let renderer: LetterRenderer;
let printer: PdfPrinter;
const printed = new Map<string, Printed>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-paper-'));
  const { dataSet } = await loadDataSet(SAMPLE_DATA_DIR);
  campaign = dataSet!.campaign;
  renderer = await createLetterRenderer(campaign);
  printer = new PdfPrinter();
  for (const id of ['lcrca', 'liverpool-city-council']) {
    const authority = dataSet!.authorities.find((a) => a.id === id)!;
    const pdf = (await letterPdf(printer, campaign, renderer, authority)).content;
    const path = join(dir, `${id}.pdf`);
    await writeFile(path, pdf);
    const images = join(dir, id);
    await mkdir(images);
    printed.set(id, { authority, pdf, path, texts: pageTexts(path), images: pageImages(path, images, DPI) });
  }
}, 120_000);

afterAll(async () => {
  await printer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const each = ['lcrca', 'liverpool-city-council'];
const letter = (id: string) => printed.get(id)!;

describe.each(each)('the letter to %s on paper', (id) => {
  it('has white side margins of at least 20 mm on every page: no mark at all in them', () => {
    const { images } = letter(id);
    expect(images.length).toBeGreaterThan(1);
    images.forEach((page, i) => {
      expect(marksInColumns(page, 0, MARGIN_PX), `left margin of page ${i + 1}`).toEqual({ count: 0, first: null });
      expect(marksInColumns(page, page.width - MARGIN_PX, page.width), `right margin of page ${i + 1}`).toEqual({ count: 0, first: null });
      // Something is printed between the margins, on A4 (at 100 dpi).
      expect(marksInColumns(page, MARGIN_PX, page.width - MARGIN_PX).count, `page ${i + 1} is blank`).toBeGreaterThan(0);
      expect(Math.abs(page.width - (210 / 25.4) * DPI)).toBeLessThan(1.5);
      expect(Math.abs(page.height - (297 / 25.4) * DPI)).toBeLessThan(1.5);
    });
  });

  it('says "Page N of M" at the foot of every page', () => {
    const { texts, images } = letter(id);
    expect(texts).toHaveLength(images.length);
    texts.forEach((text, i) => {
      expect(words(text).slice(-4).join(' ')).toBe(`Page ${i + 1} of ${texts.length}`);
    });
  });

  it('has the logo as a Figure whose alternative text names the Ombudsman, and headings H1 and H2', () => {
    const { pdf, path } = letter(id);
    expect(figureAltTexts(pdf)).toEqual([expect.stringMatching(/Local Government and Social Care Ombudsman/)]);
    const tree = structureTree(path);
    expect(tree).toMatch(/^\s+Figure$/m);
    expect(tree.match(/^\s+H1 \(block\)$/gm)).toHaveLength(1);
    expect(tree.match(/^\s+H2 \(block\)$/gm)?.length).toBeGreaterThanOrEqual(STATISTICS.length + 2);
  });

  it('puts the statistics on a page of their own, after the page the letter is signed on', () => {
    const { texts } = letter(id);
    const signature = campaign.signatory.titles.at(-1)!;
    const signed = texts.findIndex((text) => text.includes(signature));
    expect(signed).toBeGreaterThanOrEqual(0);
    // Nothing follows the signature on its page but the page number ...
    const afterSignature = texts[signed]!.slice(texts[signed]!.indexOf(signature) + signature.length);
    expect(words(afterSignature).join(' ')).toBe(`Page ${signed + 1} of ${texts.length}`);
    // ... and the next page opens with the first block of statistics; the rest follow it there, in order.
    const statistics = texts.slice(signed + 1).join('\n');
    expect(texts[signed + 1]!.trimStart().startsWith(`${STATISTICS[0]}\n`)).toBe(true);
    const at = STATISTICS.map((heading) => statistics.indexOf(`${heading}\n`));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('embeds every font it uses, all of them the Arimo shipped with the project (pdffonts)', () => {
    const fonts = pdfFonts(letter(id).path);
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts)
      expect(font).toMatchObject({ embedded: true, name: expect.stringMatching(/^[A-Z]{6}\+Arimo-(Regular|Bold)$/) });
  });

  it('is titled with the subject and in the language en-GB', () => {
    const { authority, pdf, path } = letter(id);
    expect(pdfInfo(path).get('Title')).toBe(`Annual Review letter 2023-24: ${authority.name}`);
    expect(catalog(pdf)).toContain('/Lang (en-GB)');
  });

  it("reads, without its letterhead and page numbers, paragraph for paragraph as the email's text", () => {
    const { authority, texts } = letter(id);
    const pdfWords = texts.flatMap((text) => words(text).slice(0, -4));
    const letterhead = words(campaign.letterhead!.address.join(' '));
    expect(pdfWords.splice(0, letterhead.length)).toEqual(letterhead);
    const expected = paragraphs(renderer.render(authority, recipientsOf(authority)[0]!).text);
    expect(expected.map((paragraph) => pdfWords.splice(0, words(paragraph).length).join(' '))).toEqual(expected);
    expect(pdfWords).toEqual([]);
  });
});

describe('the seed letter on paper', () => {
  it("holds the seed's paragraphs, every one of them in order", () => {
    const text = letter('lcrca')
      .texts.map((page) => words(page).slice(0, -4).join(' '))
      .join(' ');
    let from = 0;
    for (const paragraph of paragraphs(seed)) {
      const at = text.indexOf(paragraph, from);
      expect(at, paragraph.slice(0, 60)).toBeGreaterThanOrEqual(from);
      from = at + paragraph.length;
    }
    expect(paragraphs(seed)).toHaveLength(28);
  });
});

describe('a letter with letters beyond latin', () => {
  it('prints a name such as Łódź in the shipped font too, embedded', async () => {
    const lcrca = letter('lcrca').authority;
    const authority = { ...lcrca, name: 'Łódź and Kraków Combined Authority' };
    const path = join(dir, 'lodz.pdf');
    await writeFile(path, (await letterPdf(printer, campaign, renderer, authority)).content);
    expect(pageTexts(path)[0]).toContain('Łódź and Kraków Combined Authority');
    const fonts = pdfFonts(path);
    for (const font of fonts)
      expect(font).toMatchObject({ embedded: true, name: expect.stringMatching(/^[A-Z]{6}\+Arimo-(Regular|Bold)$/) });
  }, 60_000);
});

describe('the margin check itself', () => {
  it('finds a single grey pixel in a margin', () => {
    const page: GreyPage = { width: 200, height: 10, pixels: Buffer.alloc(2000, 255) };
    page.pixels[5 * 200 + 190] = 254;
    expect(marksInColumns(page, 0, 20)).toEqual({ count: 0, first: null });
    expect(marksInColumns(page, 180, 200)).toEqual({ count: 1, first: { x: 190, y: 5 } });
  });
});
