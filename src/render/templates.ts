/**
 * Loads the letter template and compiles it. Partials are inlined as text
 * (`{{> name}}` -> <templates>/partials/name.mjml) before anything else, so the
 * reference path and the fast path start from the very same MJML source.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { type Campaign, TemplateError } from '../domain/index.js';
import { SAMPLE_DATA_DIR } from '../paths.js';
import { HELPERS } from './helpers.js';

export const LETTER_TEMPLATE = 'letter.mjml';
/** The letter on paper: the same partials in a layout for A4. Optional; without it the PDF prints the email's layout. */
export const PRINT_TEMPLATE = 'print.mjml';
const PARTIAL = /\{\{>\s*([A-Za-z0-9/_-]+)\s*\}\}/g;
const MAX_PARTIAL_DEPTH = 10;

/**
 * The bundled 2023-24 campaign's templates (data/sample/templates): used when
 * a caller names no campaign folder. Commands always pass `<data>/templates`.
 */
export function defaultTemplatesDir(): string {
  return path.join(SAMPLE_DATA_DIR, 'templates');
}

/** letter.mjml (or another layout, such as print.mjml) with every partial inlined. */
export async function loadLetterSource(templatesDir: string, layout = LETTER_TEMPLATE): Promise<string> {
  const source = await readFile(path.join(templatesDir, layout), 'utf8');
  return inlinePartials(source, templatesDir, 0);
}

async function inlinePartials(source: string, templatesDir: string, depth: number): Promise<string> {
  const names = [...new Set([...source.matchAll(PARTIAL)].map((m) => m[1] as string))];
  if (names.length === 0) return source;
  if (depth >= MAX_PARTIAL_DEPTH) throw new TemplateError(`Partials nested deeper than ${MAX_PARTIAL_DEPTH} (a cycle?) in ${templatesDir}`);
  const bodies = new Map<string, string>();
  for (const name of names) {
    const file = path.join(templatesDir, 'partials', `${name}.mjml`);
    const text = await readFile(file, 'utf8').catch(() => {
      throw new TemplateError(`Template partial {{> ${name}}} not found: ${file}`);
    });
    bodies.set(name, await inlinePartials(text.trimEnd(), templatesDir, depth + 1));
  }
  return source.replace(PARTIAL, (_, name: string) => bodies.get(name) as string);
}

/**
 * The rules that keep the two render paths byte-identical, checked up front
 * so a template edit fails with a clear message rather than a subtle diff:
 * - Handlebars only inside mj-text and mj-title, whose content MJML copies
 *   verbatim (elsewhere MJML would parse or reject it);
 * - mj-text content wrapped in one element, because MJML trims the content's
 *   ends, and trimming before or after Handlebars runs gives different spaces.
 */
export function checkTemplateRules(source: string, templatesDir: string, layout = LETTER_TEMPLATE): void {
  const where = path.join(templatesDir, layout);
  // A self-closing <mj-text ... /> (in mj-attributes) has no content: it must not swallow what follows it.
  const outside = source.replace(/<(mj-text|mj-title)\b[^>]*(?<!\/)>[\s\S]*?<\/\1>/g, '');
  const stray = outside.match(/.*\{\{.*/);
  if (stray) {
    throw new TemplateError(`${where}: Handlebars outside mj-text/mj-title (comments included): ${stray[0].trim()}`);
  }
  for (const m of source.matchAll(/<mj-text\b[^>]*(?<!\/)>([\s\S]*?)<\/mj-text>/g)) {
    const content = (m[1] as string).trim();
    if (!/^<[a-z][\s\S]*<\/[a-z0-9]+>$/.test(content) || content.startsWith('{{') || content.endsWith('}}')) {
      throw new TemplateError(`${where}: wrap the content of each mj-text in one element such as <div>: ${content.slice(0, 60)}...`);
    }
  }
}

/**
 * Every `campaign.wording.<key>` the template uses must exist in the campaign:
 * a missing paragraph would otherwise vanish silently from every letter.
 */
export function checkWordingKeys(source: string, campaign: Campaign): void {
  const used = new Set([...source.matchAll(/campaign\.wording\.([A-Za-z0-9]+)/g)].map((m) => m[1] as string));
  const missing = [...used].filter((key) => !(key in campaign.wording));
  if (missing.length > 0) {
    throw new TemplateError(`The templates use wording the campaign "${campaign.id}" lacks: ${missing.join(', ')}`);
  }
}

/** MJML to HTML with strict validation; a validation error names the template and the lines. */
export async function mjmlToHtml(source: string, templatesDir: string, layout = LETTER_TEMPLATE): Promise<string> {
  try {
    // Loaded on first use: workers render from templates compiled by `run`, and never need MJML.
    const { default: mjml2html } = await import('mjml');
    const { html } = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
    return html;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TemplateError(`MJML strict validation failed for ${path.join(templatesDir, layout)} (partials inlined): ${detail}`, {
      cause: error,
    });
  }
}

export type LetterTemplate = (view: object) => string;

/**
 * A Handlebars environment of our own (no global helpers), with the small
 * set of helpers the templates use (./helpers.ts). `noEscape` is for plain text, where
 * "Smith & Sons" must stay "Smith & Sons".
 */
export function compileTemplate(source: string, mode: 'html' | 'text'): LetterTemplate {
  const hb = Handlebars.create();
  for (const [name, helper] of Object.entries(HELPERS)) hb.registerHelper(name, helper);
  const template = hb.compile(source, {
    // A misspelt field in a template throws instead of printing nothing.
    strict: true,
    noEscape: mode === 'text',
    // Only our helpers and the built-in blocks: calls are direct, not looked up per letter.
    knownHelpers: Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])),
    knownHelpersOnly: true,
    data: false,
  });
  return template;
}
