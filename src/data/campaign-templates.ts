/**
 * The campaign's templates against its declaration: every figure, average
 * and copy role a template names must be declared in campaign.json; every
 * declared figure must be printed or tested by some template (else it is
 * data nobody reads, most likely a misspelt name on one side); and every copy
 * role must have its copy notice, or a template must say it needs none (else
 * its recipients get what reads as the chief executive's own letter). Read as
 * text, line by line, so each problem points at the template file and line;
 * a name used twice on one line is one problem.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Campaign, DataProblem } from '../domain/index.js';
import { CAMPAIGN_FILE, fieldOf, type LineOf } from './campaign-json.js';
import { didYouMean } from './did-you-mean.js';

/** `figures.<name>`, `averages.<name>`, and `eq recipient.role "<role>"` (either order). */
const FIGURE = /\bfigures\.([A-Za-z0-9_]+)/g;
const AVERAGE = /\baverages\.([A-Za-z0-9_]+)/g;
const ROLE = /recipient\.role\s+"([^"]*)"|"([^"]*)"\s+recipient\.role\b/g;
/** `{{> name}}`: partials/<name>.mjml, and `campaign.wording.<key>`: a paragraph list of campaign.json. */
const PARTIAL = /\{\{>\s*([A-Za-z0-9/_-]+)\s*\}\}/g;
const WORDING = /\bcampaign\.wording\.([A-Za-z0-9]+)/g;
/** A notice for every copy, whatever its role. */
const ANY_COPY = /\brecipient\.isCopy\b/;
/**
 * A template's word that these roles need no copy notice: `<!-- no copy
 * notice: link-officer, scrutiny-chair -->` in an .mjml file (between MJML
 * tags), `{{!-- no copy notice: link-officer --}}` in an .hbs file.
 */
const NO_NOTICE = /(?:<!--|\{\{!--)\s*no copy notice:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/gi;

/** The cover note's folder: with `letterAs: "pdf"` its two files are the email, so each needs the notices. */
const COVER_NOTE_DIR = 'cover-note';

interface Use {
  name: string;
  file: string;
  line: number;
}

interface TemplateFile {
  /** Its path under the templates folder, with '/'. */
  name: string;
  text: string;
}

export async function templateProblems(campaign: Campaign, templatesDir: string, lineOf: LineOf): Promise<DataProblem[]> {
  const files = await templateFiles(templatesDir);
  const letter = files.find((f) => f.name === 'letter.mjml');
  if (!letter) return [{ file: 'templates/letter.mjml', field: '-', reason: `file not found in ${templatesDir}` }];

  const figures: Use[] = [];
  const averages: Use[] = [];
  const roles: Use[] = [];
  const noNotice: Use[] = [];
  const partials: Use[] = [];
  const wording: Use[] = [];
  for (const { name, text } of files) {
    text.split('\n').forEach((line, i) => {
      // One problem for a name used twice on one line.
      const at = (names: Iterable<string>, into: Use[]) => {
        for (const used of new Set(names)) into.push({ name: used, file: `templates/${name}`, line: i + 1 });
      };
      const named = (pattern: RegExp) => [...line.matchAll(pattern)].map((m) => (m[1] ?? m[2]) as string);
      at(named(FIGURE), figures);
      at(named(AVERAGE), averages);
      at(named(ROLE), roles);
      at(named(PARTIAL), partials);
      // The cover note is the email only when the letter travels as a PDF alone.
      if (campaign.letterAs === 'pdf' || !name.startsWith(`${COVER_NOTE_DIR}/`)) at(named(WORDING), wording);
      at(
        named(NO_NOTICE).flatMap((list) => list.split(',').map((role) => role.trim())),
        noNotice,
      );
    });
  }

  const problems: DataProblem[] = letterheadProblems(campaign, templatesDir, files, lineOf);
  const declared = new Set(campaign.figures.map((f) => f.column));
  for (const use of figures) {
    if (!declared.has(use.name)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: `figures.${use.name}`,
        reason: `'${use.name}' is not a figure campaign.json declares${didYouMean(use.name, declared)} (figures: ${[...declared].join(', ')})`,
      });
    }
  }
  const used = new Set(figures.map((use) => use.name));
  campaign.figures.forEach((figure, i) => {
    if (!used.has(figure.column)) {
      const path = ['figures', i, 'column'];
      problems.push({
        file: CAMPAIGN_FILE,
        line: lineOf(path),
        field: fieldOf(path),
        reason: `figure '${figure.column}' is declared but no template uses it; print it (figures.${figure.column}) or remove it`,
      });
    }
  });
  const averageNames = new Set(Object.values(campaign.averages).flatMap((a) => Object.keys(a ?? {})));
  for (const use of averages) {
    if (!averageNames.has(use.name)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: `averages.${use.name}`,
        reason: `no kind of authority in campaign.json averages has '${use.name}'${didYouMean(use.name, averageNames)}`,
      });
    }
  }
  const copyRoles = new Set(['ceo', ...campaign.recipients.copies.map((c) => c.role)]);
  for (const use of [...roles, ...noNotice]) {
    if (!copyRoles.has(use.name)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: 'recipient.role',
        reason: `unknown role '${use.name}'${didYouMean(use.name, copyRoles)}; campaign.json recipients.copies names ${[...copyRoles].join(', ')}`,
      });
    }
  }
  const partialNames = new Set(
    files.filter((f) => f.name.startsWith('partials/') && f.name.endsWith('.mjml')).map((f) => f.name.slice(9, -5)),
  );
  for (const use of partials) {
    if (!partialNames.has(use.name)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: `{{> ${use.name}}}`,
        reason: `no partial templates/partials/${use.name}.mjml${didYouMean(use.name, partialNames)}`,
      });
    }
  }
  const wordingKeys = Object.keys(campaign.wording);
  for (const use of wording) {
    if (!(use.name in campaign.wording)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: `campaign.wording.${use.name}`,
        reason: `campaign.json wording has no '${use.name}'${didYouMean(use.name, wordingKeys)}; the paragraph would be missing from every letter`,
      });
    }
  }
  problems.push(...copyNoticeProblems(campaign, files, new Set(noNotice.map((use) => use.name)), lineOf));
  return problems;
}

/**
 * Each copy role without its notice in the email its recipients get: the
 * letter (letter.mjml and its partials), or with `letterAs: "pdf"` each of
 * the cover note's two files (its PDF is the chief executive's letter).
 */
function copyNoticeProblems(
  campaign: Campaign,
  files: readonly TemplateFile[],
  needNone: ReadonlySet<string>,
  lineOf: LineOf,
): DataProblem[] {
  const bodies: Array<{ where: string; files: TemplateFile[] }> =
    campaign.letterAs === 'pdf'
      ? ['note.html.hbs', 'note.txt.hbs'].map((name) => ({
          where: `templates/${COVER_NOTE_DIR}/${name}`,
          files: files.filter((f) => f.name === `${COVER_NOTE_DIR}/${name}`),
        }))
      : [
          {
            where: 'the letter (templates/letter.mjml and its partials)',
            files: files.filter((f) => !f.name.startsWith(`${COVER_NOTE_DIR}/`)),
          },
        ];
  const problems: DataProblem[] = [];
  campaign.recipients.copies.forEach(({ role }, i) => {
    if (needNone.has(role)) return;
    for (const body of bodies) {
      if (body.files.some((f) => noticeFor(role, f.text))) continue;
      const path = ['recipients', 'copies', i, 'role'];
      problems.push({
        file: CAMPAIGN_FILE,
        line: lineOf(path),
        field: fieldOf(path),
        reason:
          `role '${role}' has no copy notice in ${body.where}: nothing there tests (eq recipient.role "${role}") or recipient.isCopy, ` +
          `so its recipients would get what reads as the chief executive's own letter. Add a notice (templates/partials/copy-notice.mjml), ` +
          `or write <!-- no copy notice: ${role} --> in a template if this role needs none`,
      });
    }
  });
  return problems;
}

/** Does this template text give `role` a copy notice: a test of its role, or of any copy? */
function noticeFor(role: string, text: string): boolean {
  if (ANY_COPY.test(text)) return true;
  for (const m of text.matchAll(ROLE)) if ((m[1] ?? m[2]) === role) return true;
  return false;
}

/** The letterhead's logo is a file of the templates folder, and print.mjml prints it. */
function letterheadProblems(
  campaign: Campaign,
  templatesDir: string,
  files: Array<{ name: string }>,
  lineOf: (path: readonly string[]) => number,
): DataProblem[] {
  if (!campaign.letterhead) return [];
  const problems: DataProblem[] = [];
  const logo = campaign.letterhead.logo;
  if (!existsSync(join(templatesDir, logo))) {
    problems.push({
      file: 'campaign.json',
      line: lineOf(['letterhead', 'logo']),
      field: 'letterhead.logo',
      reason: `no file templates/${logo}: the logo must be an .svg or .png file in the campaign's templates folder`,
    });
  }
  if (!files.some((f) => f.name === 'print.mjml')) {
    problems.push({
      file: 'campaign.json',
      line: lineOf(['letterhead']),
      field: 'letterhead',
      reason: 'there is no templates/print.mjml, the letter on paper, to print the letterhead on',
    });
  }
  return problems;
}

/** Every letter template file (.mjml, .hbs), by its path under the templates folder. */
async function templateFiles(dir: string): Promise<TemplateFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: TemplateFile[] = [];
  for (const e of entries) {
    if (!e.isFile() || !/\.(mjml|hbs)$/.test(e.name)) continue;
    const path = join(e.parentPath, e.name);
    files.push({ name: relative(dir, path).split(sep).join('/'), text: await readFile(path, 'utf8') });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
