/**
 * The preview gallery: every letter for every recipient, written to disk as
 * HTML and text, with an index.html an operator reads before the annual run.
 * Authorities with data problems are listed with their problems, so nothing
 * is hidden by being left out. With a printer, each authority's letter on
 * paper too: the PDF its recipients get (and `publish` publishes), and its
 * pages as images beside the letters, so whoever approves sees what will be
 * printed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { loadDataSet, TEMPLATES_FOLDER } from '../data/load-data-set.js';
import {
  AUTHORITY_ID,
  type Authority,
  type Campaign,
  DataSetError,
  type FigureDeclaration,
  formatProblem,
  type Recipient,
  recipientsOf,
} from '../domain/index.js';
import { withLetterFailures } from '../operations/letter-failures.js';
import { createLetterRenderer, type LetterRenderer } from '../render/letter-renderer.js';
import { formatCount } from '../render/number-words.js';
import { writePageImages } from '../render/pdf/page-images.js';
import type { PdfPrinter } from '../render/pdf/pdf-printer.js';
import { letterPdf } from '../send/letter-attachments.js';

export interface PreviewResult {
  letters: number;
  authorities: number;
  indexPath: string;
  /** Letters printed on paper (one PDF per authority); 0 without a printer. */
  pdfs: number;
  /** Whether the PDFs' pages were drawn as images (pdftoppm is installed). */
  pageImages: boolean;
}

export interface PreviewOptions {
  dataDir: string;
  outDir: string;
  templatesDir?: string;
  /** Prints each authority's letter to PDF, shown page by page beside its letters. Default: no letters on paper. */
  printer?: PdfPrinter;
}

/** The letter on paper in an authority's folder: its PDF, and its pages as images (none without pdftoppm). */
interface Paper {
  pdf: string;
  pages: string[] | null;
}

interface Row {
  id: string;
  authority: Authority | null;
  recipients: Recipient[];
  problems: string[];
  paper: Paper | null;
}

/** The PDF's name in each authority's folder, and its pages': letter-1.jpg, letter-2.jpg, ... */
const PAPER_NAME = 'letter';
/** Enough to read a page on screen; the PDF is a click away. */
const PAGE_DPI = 72;
/** PDFs printed at once, as `publish` prints them: the browser's tabs share the machine's cores. */
const PARALLEL_PRINTS = 2;

export async function writePreview(opts: PreviewOptions): Promise<PreviewResult> {
  const templatesDir = opts.templatesDir ?? path.join(opts.dataDir, TEMPLATES_FOLDER);
  const loaded = await withLetterFailures(await loadDataSet(opts.dataDir, { templatesDir }), templatesDir);
  if (!loaded.campaign || loaded.campaignProblems.length > 0) {
    const list = loaded.campaignProblems.map(formatProblem).join('\n');
    throw new DataSetError(`cannot preview ${opts.dataDir}: fix these problems with the campaign and preview again:\n${list}`);
  }
  const renderer = await createLetterRenderer(loaded.campaign, { templatesDir });
  const rows = new Map<string, Row>();
  const rowFor = (id: string): Row => {
    let row = rows.get(id);
    if (!row) {
      row = { id, authority: null, recipients: [], problems: [], paper: null };
      rows.set(id, row);
    }
    return row;
  };

  let letters = 0;
  for (const authority of loaded.validAuthorities) {
    const row = rowFor(authority.id);
    row.authority = authority;
    if (!AUTHORITY_ID.test(authority.id)) {
      row.problems.push('id is not safe as a folder name; no letters written');
      continue;
    }
    const dir = path.join(opts.outDir, authority.id);
    await mkdir(dir, { recursive: true });
    for (const recipient of recipientsOf(authority)) {
      try {
        const letter = renderer.render(authority, recipient);
        await writeFile(path.join(dir, `${recipient.key}.html`), letter.html, 'utf8');
        await writeFile(path.join(dir, `${recipient.key}.txt`), `Subject: ${letter.subject}\n\n${letter.text}\n`, 'utf8');
        row.recipients.push(recipient);
        letters += 1;
      } catch (error) {
        row.problems.push(`${recipient.key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const printed = opts.printer ? await printOnPaper(opts.printer, loaded.campaign, renderer, rows, opts.outDir) : null;

  const generalProblems: string[] = [];
  for (const problem of loaded.problems) {
    if (problem.authorityId) rowFor(problem.authorityId).problems.push(formatProblem(problem));
    else generalProblems.push(formatProblem(problem));
  }

  // Authorities with problems first: they are what the operator must look at.
  const ordered = [...rows.values()].sort((x, y) => Number(y.problems.length > 0) - Number(x.problems.length > 0));
  await mkdir(opts.outDir, { recursive: true });
  const indexPath = path.join(opts.outDir, 'index.html');
  const envelope: Envelope = {
    from: `${loaded.campaign.mail.from.name} <${loaded.campaign.mail.from.address}>`,
    replyTo: loaded.campaign.mail.replyTo ?? null,
  };
  const paper: PaperColumn = printed ? { pageImages: printed.pageImages } : null;
  await writeFile(indexPath, indexPage(loaded.campaign.id, loaded.campaign.figures, ordered, generalProblems, envelope, paper), 'utf8');
  const authorities = ordered.filter((r) => r.recipients.length > 0).length;
  return { letters, authorities, indexPath, pdfs: printed?.pdfs ?? 0, pageImages: printed?.pageImages ?? false };
}

/**
 * Each authority's letter on paper, into its folder: the PDF exactly as its
 * recipients get it, and its pages as images. A letter that cannot be
 * printed is a problem on its row.
 */
async function printOnPaper(
  printer: PdfPrinter,
  campaign: Campaign,
  renderer: LetterRenderer,
  rows: ReadonlyMap<string, Row>,
  outDir: string,
): Promise<{ pdfs: number; pageImages: boolean }> {
  const todo = [...rows.values()].filter((row) => row.authority && row.recipients.length > 0);
  let pdfs = 0;
  let pageImages = true;
  let next = 0;
  const printOne = async (row: Row) => {
    const dir = path.join(outDir, row.id);
    try {
      const pdf = await letterPdf(printer, campaign, renderer, row.authority as Authority);
      await writeFile(path.join(dir, `${PAPER_NAME}.pdf`), pdf.content);
      const pages = await writePageImages(path.join(dir, `${PAPER_NAME}.pdf`), path.join(dir, PAPER_NAME), PAGE_DPI);
      if (pages === null) pageImages = false;
      row.paper = { pdf: `${PAPER_NAME}.pdf`, pages };
      pdfs += 1;
    } catch (error) {
      row.problems.push(`the letter on paper (PDF): ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await Promise.all(
    Array.from({ length: PARALLEL_PRINTS }, async () => {
      for (let i = next++; i < todo.length; i = next++) await printOne(todo[i] as Row);
    }),
  );
  return { pdfs, pageImages };
}

// ---- index.html ------------------------------------------------------------

const esc = Handlebars.Utils.escapeExpression;

/** A tagged template that escapes every interpolated value unless it is already markup. */
class Markup {
  constructor(readonly html: string) {}
}
type Value = string | number | Markup | Markup[];
function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  const part = (v: Value): string => (Array.isArray(v) ? v.map(part).join('') : v instanceof Markup ? v.html : esc(String(v)));
  return new Markup(strings.reduce((out, s, i) => out + part(values[i - 1] as Value) + s));
}

/** The campaign's From and Reply-To, the same on every letter (a worker's MAIL_FROM replaces the From when set). */
interface Envelope {
  from: string;
  replyTo: string | null;
}

/** The "On paper" column, when the letters were printed: whether their pages are shown as images. */
type PaperColumn = { pageImages: boolean } | null;

function indexPage(
  campaignId: string,
  figures: readonly FigureDeclaration[],
  rows: Row[],
  generalProblems: string[],
  envelope: Envelope,
  paper: PaperColumn,
): string {
  const title = `Annual Review letters ${campaignId}: preview`;
  return html`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font-family: Arial, Helvetica, sans-serif; margin: 16px; color: #1b1b1b; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #c8ccd1; padding: 6px 8px; text-align: left; vertical-align: top; }
  th { background: #eef0f3; }
  td.num { text-align: right; }
  .problems { color: #a00000; margin: 0; padding-left: 18px; }
  .envelope { color: #444; font-size: 90%; }
  .pages { display: flex; gap: 6px; margin-top: 4px; }
  .pages img { display: block; width: 96px; height: auto; border: 1px solid #c8ccd1; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2); }
</style>
</head>
<body>
<h1>${title}</h1>
<p>${rows.length} authorities, ${rows.reduce((n, r) => n + r.recipients.length, 0)} letters.
Every letter is From <code>${envelope.from}</code>${envelope.replyTo ? html`, Reply-To <code>${envelope.replyTo}</code>` : html`, with no Reply-To`}
(campaign.json's <code>mail</code>; <code>MAIL_FROM</code> on the workers, when set, replaces the From).</p>
${
  paper
    ? html`<p>On paper: each authority's letter as the PDF its recipients get and <code>publish</code> publishes${
        paper.pageImages
          ? html`, its pages beside it (click a page to see it whole).`
          : html`. <strong>pdftoppm (Debian's poppler-utils) is not installed, so the pages are not shown: open each PDF.</strong>`
      }</p>`
    : html``
}
${generalProblems.length > 0 ? html`<h2>Problems with the data files</h2><ul class="problems">${generalProblems.map((p) => html`<li>${p}</li>`)}</ul>` : html``}
<table>
<thead><tr><th scope="col">Authority</th><th scope="col">Kind</th>
${figures.map((f) => html`<th scope="col" title="${f.counts}">${f.column}</th>`)}<th scope="col">Letters</th>${paper ? html`<th scope="col">On paper</th>` : html``}<th scope="col">Problems</th></tr></thead>
<tbody>
${rows.map((row) => rowHtml(row, figures, envelope, paper))}
</tbody>
</table>
</body>
</html>
`.html;
}

/**
 * One row: the authority, its kind, each declared figure in the campaign's
 * order (blank as '-'), its letters with their envelope, and its letter on
 * paper when the letters were printed.
 */
function rowHtml(row: Row, declared: readonly FigureDeclaration[], envelope: Envelope, paper: PaperColumn): Markup {
  const a = row.authority;
  const figures = a
    ? html`<td>${a.kind}</td>${declared.map((f) => {
        const value = a.figures[f.column];
        return html`<td class="num">${value === null || value === undefined ? '-' : formatCount(value)}</td>`;
      })}`
    : html`<td colspan="${declared.length + 1}">not rendered: see problems</td>`;
  const links = row.recipients.map((r) => {
    const base = `${encodeURIComponent(row.id)}/${encodeURIComponent(r.key)}`;
    return html`<li data-recipient="${r.key}">${r.key} (${r.name}): <a href="${base}.html">HTML</a> | <a href="${base}.txt">text</a>
<div class="envelope">To: <span class="to">${r.name} &lt;${r.email}&gt;</span> · From: <span class="from">${envelope.from}</span> · Reply-To: <span class="reply-to">${envelope.replyTo ?? 'none'}</span></div></li>`;
  });
  // The authority's own files go with every copy: listed so they are proofed with the letters.
  for (const file of a?.attachments ?? []) links.push(html`<li>attachment: ${file.name} (${formatCount(file.bytes)} bytes)</li>`);
  const problems = row.problems.map((p) => html`<li>${p}</li>`);
  return html`<tr id="${row.id}">
<th scope="row">${a ? a.name : row.id}<br><small>${row.id}</small></th>
${figures}
<td>${links.length > 0 ? html`<ul>${links}</ul>` : html`none`}</td>
${paper ? html`<td>${paperHtml(row)}</td>` : html``}
<td>${problems.length > 0 ? html`<ul class="problems">${problems}</ul>` : html`none`}</td>
</tr>
`;
}

/** The PDF's link and its pages, each a thumbnail that opens the page's image. */
function paperHtml(row: Row): Markup {
  if (!row.paper) return html`none`;
  const base = encodeURIComponent(row.id);
  const pages = row.paper.pages ?? [];
  return html`<a href="${base}/${encodeURIComponent(row.paper.pdf)}">PDF</a>${pages.length > 0 ? html` (${pages.length} pages)` : html``}
<div class="pages">${pages.map((page, i) => {
    const src = `${base}/${encodeURIComponent(page)}`;
    return html`<a href="${src}"><img src="${src}" alt="page ${i + 1} of ${pages.length} of the letter to ${row.authority?.name ?? row.id}" loading="lazy"></a>`;
  })}</div>`;
}
