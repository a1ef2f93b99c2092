/**
 * The sheet every letter is printed on, whatever its campaign: A4, white,
 * margins of 20 mm, "Page N of M" at the foot of every page, and the
 * letter's font. The campaign's print layout (templates/print.mjml) decides
 * what goes on the pages; this decides the pages.
 *
 * The font is Arimo (metric-compatible with Arial, which the templates
 * name), shipped with the project in @fontsource/arimo and written into the
 * page as data, so Chromium embeds the same font on every machine and never
 * looks at the fonts installed there. Its latin and latin-ext parts cover
 * English and the accented names of Europe; a character outside them (Greek,
 * Cyrillic, ...) would fall back to a font of the machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The parts of the font a letter may need: latin always, latin-ext (the
 * accented letters of Europe) only for a letter with a character outside
 * latin, so most letters carry 31 KB of font rather than 171 KB (about 10 ms
 * less to print). Either way a letter's style depends on its own text only,
 * so every print of it is the same. Regular and bold: letters use no italic
 * (Chromium would slant the regular one, the same everywhere).
 */
const BASE_SUBSET = 'latin';
const EXTRA_SUBSETS = ['latin-ext'] as const;
const WEIGHTS = [400, 700] as const;

export const PAPER_FONT = 'Arimo';

const require = createRequire(import.meta.url);
const ranges = (): Record<string, string> => require('@fontsource/arimo/unicode.json') as Record<string, string>;

/** One rule per weight: `@font-face` with the file as a data: URI and the package's own unicode-range for the subset. */
function fontFaces(subset: string): string {
  return WEIGHTS.map((weight) => {
    const file = require.resolve(`@fontsource/arimo/files/arimo-${subset}-${weight}-normal.woff2`);
    const data = readFileSync(file).toString('base64');
    return (
      `@font-face{font-family:'${PAPER_FONT}';font-style:normal;font-weight:${weight};` +
      `src:url(data:font/woff2;base64,${data}) format('woff2');unicode-range:${ranges()[subset]};}`
    );
  }).join('\n');
}

/** Matches a character outside the base subset's unicode-range ("U+0000-00FF,U+0131,..."). */
function outsideRange(range: string): RegExp {
  const hex = (h: string) => `\\u{${h}}`;
  const parts = range.split(',').map((part) => {
    const [from, to] = part.replace(/^U\+/, '').split('-') as [string, string | undefined];
    return to ? `${hex(from)}-${hex(to)}` : hex(from);
  });
  return new RegExp(`[^${parts.join('')}]`, 'u');
}

/**
 * - The page: A4 with margins of at least 20 mm, the page number in the
 *   bottom margin (a CSS margin box, so it is part of the page Chromium
 *   lays out, in the same font).
 * - White everywhere: the email's grey background bands are the email's.
 * - One font: the shipped one, whatever a template names.
 * - MJML's columns are inline-blocks, which Chromium cannot split across
 *   pages (it would slice a line in two at a page break), so on paper they
 *   are plain blocks.
 * - A paragraph, heading, list item or image is never split across pages,
 *   and a heading never ends a page.
 */
function paperRules(): string {
  return `@page {
  size: A4;
  margin: 20mm 20mm 24mm 20mm;
  @bottom-center {
    content: "Page " counter(page) " of " counter(pages);
    font-family: '${PAPER_FONT}', sans-serif;
    font-size: 9pt;
    color: #1b1b1b;
    vertical-align: top;
    padding-top: 6mm;
  }
}
html, body { margin: 0 !important; padding: 0 !important; background: #ffffff !important; }
body > div { background: #ffffff !important; }
body, body * { font-family: '${PAPER_FONT}', sans-serif !important; }
[class*="mj-column"], [class*="mj-outlook-group-fix"] { display: block !important; }
p, h1, h2, h3, h4, li, img { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }`;
}

interface Styles {
  needsMore: RegExp;
  base: string;
  full: string;
}
let styles: Styles | null = null;

/** The `<style>` element the printer adds to this letter's <head>; both variants are built once per process. */
export function paperStyle(html: string): string {
  if (!styles) {
    const base = fontFaces(BASE_SUBSET);
    const more = EXTRA_SUBSETS.map(fontFaces).join('\n');
    styles = {
      needsMore: outsideRange(ranges()[BASE_SUBSET] as string),
      base: `<style>\n${base}\n${paperRules()}\n</style>`,
      full: `<style>\n${base}\n${more}\n${paperRules()}\n</style>`,
    };
  }
  return styles.needsMore.test(html) ? styles.full : styles.base;
}
