/**
 * The preview gallery: every letter for every recipient, written to disk as
 * HTML and text, with an index.html an operator reads before the annual run.
 * Authorities with data problems are listed with their problems, so nothing
 * is hidden by being left out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { loadDataSet, TEMPLATES_FOLDER } from '../data/load-data-set.js';
import {
  AUTHORITY_ID,
  type Authority,
  DataSetError,
  type FigureDeclaration,
  formatProblem,
  type Recipient,
  recipientsOf,
} from '../domain/index.js';
import { withLetterFailures } from '../operations/letter-failures.js';
import { createLetterRenderer } from '../render/letter-renderer.js';
import { formatCount } from '../render/number-words.js';

export interface PreviewResult {
  letters: number;
  authorities: number;
  indexPath: string;
}

interface Row {
  id: string;
  authority: Authority | null;
  recipients: Recipient[];
  problems: string[];
}

export async function writePreview(opts: { dataDir: string; outDir: string; templatesDir?: string }): Promise<PreviewResult> {
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
      row = { id, authority: null, recipients: [], problems: [] };
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
  await writeFile(indexPath, indexPage(loaded.campaign.id, loaded.campaign.figures, ordered, generalProblems, envelope), 'utf8');
  const authorities = ordered.filter((r) => r.recipients.length > 0).length;
  return { letters, authorities, indexPath };
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

function indexPage(
  campaignId: string,
  figures: readonly FigureDeclaration[],
  rows: Row[],
  generalProblems: string[],
  envelope: Envelope,
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
</style>
</head>
<body>
<h1>${title}</h1>
<p>${rows.length} authorities, ${rows.reduce((n, r) => n + r.recipients.length, 0)} letters.
Every letter is From <code>${envelope.from}</code>${envelope.replyTo ? html`, Reply-To <code>${envelope.replyTo}</code>` : html`, with no Reply-To`}
(campaign.json's <code>mail</code>; <code>MAIL_FROM</code> on the workers, when set, replaces the From).</p>
${generalProblems.length > 0 ? html`<h2>Problems with the data files</h2><ul class="problems">${generalProblems.map((p) => html`<li>${p}</li>`)}</ul>` : html``}
<table>
<thead><tr><th scope="col">Authority</th><th scope="col">Kind</th>
${figures.map((f) => html`<th scope="col" title="${f.counts}">${f.column}</th>`)}<th scope="col">Letters</th><th scope="col">Problems</th></tr></thead>
<tbody>
${rows.map((row) => rowHtml(row, figures, envelope))}
</tbody>
</table>
</body>
</html>
`.html;
}

/** One row: the authority, its kind, each declared figure in the campaign's order (blank as '-'), its letters with their envelope. */
function rowHtml(row: Row, declared: readonly FigureDeclaration[], envelope: Envelope): Markup {
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
<td>${problems.length > 0 ? html`<ul class="problems">${problems}</ul>` : html`none`}</td>
</tr>
`;
}
