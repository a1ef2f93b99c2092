/**
 * A letter template that fails for one letter, said the way `validate` says a
 * problem: the template file and line, the figure, and why, never a bare
 * helper error. The compiled template holds each Handlebars expression exactly
 * as the template file wrote it (MJML copies mj-text verbatim), so the
 * expression that failed is found in the compiled source by its position and
 * then in the template files by its text.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { type DataProblem, formatProblem, RenderError } from '../domain/index.js';
import { HelperError } from './helpers.js';
import type { LetterTemplate } from './templates.js';

/** A letter template failed for one letter: a RenderError whose message is the problem as validate prints it. */
export class TemplateFailure extends RenderError {
  override name = 'TemplateFailure';
  constructor(
    readonly problem: DataProblem,
    options?: ErrorOptions,
  ) {
    super(formatProblem(problem), options);
  }
}

/** Where a template file writes a given expression. */
export interface TemplatePlace {
  /** `templates/<path>`, as validate names it. */
  file: string;
  line: number;
}

/** The campaign's template files, line by line, to find where an expression is written. */
export class TemplateLocations {
  private constructor(private readonly files: ReadonlyArray<{ file: string; lines: string[] }>) {}

  static async read(templatesDir: string): Promise<TemplateLocations> {
    const entries = await readdir(templatesDir, { recursive: true, withFileTypes: true }).catch(() => []);
    const files: Array<{ file: string; lines: string[] }> = [];
    for (const e of entries) {
      if (!e.isFile() || !/\.(mjml|hbs)$/.test(e.name)) continue;
      const path = join(e.parentPath, e.name);
      const name = relative(templatesDir, path).split(sep).join('/');
      files.push({ file: `templates/${name}`, lines: (await readFile(path, 'utf8')).split('\n') });
    }
    return new TemplateLocations(files.sort((a, b) => a.file.localeCompare(b.file)));
  }

  /** Every place `expression` is written, in file and line order. */
  find(expression: string): TemplatePlace[] {
    const places: TemplatePlace[] = [];
    for (const { file, lines } of this.files) {
      lines.forEach((text, i) => {
        if (text.includes(expression)) places.push({ file, line: i + 1 });
      });
    }
    return places;
  }
}

/**
 * `template`, with each failure turned into a RenderError that names the
 * expression, its figure and (given the template files) its file and line.
 */
export function explainingFailures(template: LetterTemplate, source: string, locations?: TemplateLocations): LetterTemplate {
  return (view) => {
    try {
      return template(view);
    } catch (error) {
      throw templateFailure(error, source, locations) ?? error;
    }
  };
}

const FIGURE = /\b(figures|averages)\.([A-Za-z0-9_]+)/;

/** The failure as a RenderError, or undefined when it is not one of a template's expressions. */
function templateFailure(error: unknown, source: string, locations: TemplateLocations | undefined): RenderError | undefined {
  let at: { line: number; column: number } | undefined;
  let reason: string;
  if (error instanceof HelperError) {
    at = error.loc?.start;
    reason = `${error.needs}, got ${String(error.got)}`;
  } else if (error instanceof Handlebars.Exception && typeof error.lineNumber === 'number' && typeof error.column === 'number') {
    // Strict mode: a name the view does not have ('"uphold" not defined in [object Object]').
    at = { line: error.lineNumber, column: error.column };
    const name = /^"([^"]+)" not defined/.exec(error.message)?.[1];
    reason = name ? `'${name}' is not in the letter's view` : error.message;
  } else return undefined;
  const expression = at ? expressionAt(source, at.line, at.column) : undefined;
  if (!expression) return new TemplateFailure({ file: 'the letter templates', field: '-', reason }, { cause: error });

  const named = FIGURE.exec(expression);
  const field = named ? `${named[1]}.${named[2]}` : '-';
  if (named && error instanceof HelperError) {
    if (error.got === null) {
      reason =
        named[1] === 'figures'
          ? `${error.needs}, but ${named[2]} is blank for this authority; print it inside {{#if ${field}}}`
          : `${error.needs}, but this kind of authority has no average '${named[2]}'; print it inside {{#if ${field}}}`;
    } else if (error.got === undefined) reason = `${error.needs}, but '${named[2]}' is not one of the campaign's ${named[1]}`;
  }
  const places = locations?.find(expression) ?? [];
  const [first, ...others] = places;
  const also = others.length > 0 ? ` (the same expression is also on ${others.map((p) => `${p.file}:${p.line}`).join(', ')})` : '';
  const problem: DataProblem = first
    ? { file: first.file, line: first.line, field, reason: `${expression} ${reason}${also}` }
    : { file: 'the letter templates', field, reason: `${expression} ${reason}` };
  return new TemplateFailure(problem, { cause: error });
}

/** The `{{ ... }}` (or `(...)` inside one) at a Handlebars position: line from 1, column from 0. */
function expressionAt(source: string, line: number, column: number): string | undefined {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = source.indexOf('\n', offset);
    if (next === -1) return undefined;
    offset = next + 1;
  }
  const position = offset + column;
  const start = source.lastIndexOf('{{', position + 1);
  const end = source.indexOf('}}', position);
  if (start === -1 || end === -1 || end < start) return undefined;
  // Three braces for HTML that is printed as it is.
  const close = source.startsWith('}}}', end) && source.startsWith('{{{', start) ? end + 3 : end + 2;
  return source.slice(start, close);
}
