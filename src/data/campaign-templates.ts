/**
 * The campaign's templates against its declaration: every figure, average
 * and copy role a template names must be declared in campaign.json, and
 * every declared figure must be printed or tested by some template (else it
 * is data nobody reads, most likely a misspelt name on one side). Read as
 * text, line by line, so each problem points at the template file and line.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Campaign, DataProblem } from '../domain/index.js';

/** `figures.<name>`, `averages.<name>`, and `eq recipient.role "<role>"` (either order). */
const FIGURE = /\bfigures\.([A-Za-z0-9_]+)/g;
const AVERAGE = /\baverages\.([A-Za-z0-9_]+)/g;
const ROLE = /recipient\.role\s+"([^"]*)"|"([^"]*)"\s+recipient\.role\b/g;

interface Use {
  name: string;
  file: string;
  line: number;
}

export async function templateProblems(
  campaign: Campaign,
  templatesDir: string,
  lineOf: (path: readonly string[]) => number,
): Promise<DataProblem[]> {
  const files = await templateFiles(templatesDir);
  const letter = files.find((f) => f.name === 'letter.mjml');
  if (!letter) return [{ file: `templates/letter.mjml`, line: 0, field: '-', reason: `file not found in ${templatesDir}` }];

  const figures: Use[] = [];
  const averages: Use[] = [];
  const roles: Use[] = [];
  for (const { name, text } of files) {
    text.split('\n').forEach((line, i) => {
      const at = (m: RegExpMatchArray, into: Use[]) =>
        into.push({ name: (m[1] ?? m[2]) as string, file: `templates/${name}`, line: i + 1 });
      for (const m of line.matchAll(FIGURE)) at(m, figures);
      for (const m of line.matchAll(AVERAGE)) at(m, averages);
      for (const m of line.matchAll(ROLE)) at(m, roles);
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
        reason: `'${use.name}' is not a figure campaign.json declares (figures: ${[...declared].join(', ')})`,
      });
    }
  }
  const used = new Set(figures.map((use) => use.name));
  campaign.figures.forEach((figure, i) => {
    if (!used.has(figure.column)) {
      problems.push({
        file: 'campaign.json',
        line: lineOf(['figures', String(i), 'column']),
        field: `figures.${i}.column`,
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
        reason: `no kind of authority in campaign.json averages has '${use.name}'`,
      });
    }
  }
  const copyRoles = new Set(['ceo', ...campaign.recipients.copies.map((c) => c.role)]);
  for (const use of roles) {
    if (!copyRoles.has(use.name)) {
      problems.push({
        file: use.file,
        line: use.line,
        field: 'recipient.role',
        reason: `unknown role '${use.name}'; campaign.json recipients.copies names ${[...copyRoles].join(', ')}`,
      });
    }
  }
  return problems;
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
async function templateFiles(dir: string): Promise<Array<{ name: string; text: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: Array<{ name: string; text: string }> = [];
  for (const e of entries) {
    if (!e.isFile() || !/\.(mjml|hbs)$/.test(e.name)) continue;
    const path = join(e.parentPath, e.name);
    files.push({ name: relative(dir, path).split(sep).join('/'), text: await readFile(path, 'utf8') });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
