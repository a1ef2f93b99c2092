/**
 * The render stage: (campaign, authority, recipient) -> { subject, html, text }.
 * Pure: no Redis, no SMTP, no clock.
 *
 * Two paths with byte-identical output:
 * - reference (`renderWithMjml`): fill the MJML with Handlebars, then run
 *   mjml2html per letter. Slow; the definition of a correct letter.
 * - fast (`createLetterRenderer`): run mjml2html once over the template with
 *   its Handlebars expressions still in it (they all sit inside mj-text or
 *   mj-title, which MJML copies verbatim), derive the text template from that
 *   HTML once, and per letter only call the two compiled Handlebars templates.
 *
 * The letter on paper (`document`) is made the same way from print.mjml, a
 * second layout of the same partials, so the PDF has the email's words.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Authority,
  type Campaign,
  type CompiledLetter,
  type LetterDocument,
  type Recipient,
  RenderError,
  type RenderedLetter,
  recipientsOf,
} from '../domain/index.js';
import {
  buildAveragesByKind,
  buildCampaignViews,
  buildLetterView,
  type CampaignView,
  cleanAuthority,
  cleanRecipient,
  type LetterView,
  type PrintView,
} from './letter-view.js';
import { readLetterheadLogo } from './letterhead.js';
import { explainingFailures, TemplateLocations } from './template-failure.js';
import {
  checkTemplateRules,
  checkWordingKeys,
  compileTemplate,
  defaultTemplatesDir,
  type LetterTemplate,
  loadLetterSource,
  mjmlToHtml,
  PRINT_TEMPLATE,
} from './templates.js';
import { htmlTemplateToTextTemplate, htmlToPlainText } from './text.js';

export interface LetterRenderer {
  /** The email to one recipient: the letter, or (`letterAs: "pdf"`) the cover note its PDF is attached to. */
  render(authority: Authority, recipient: Recipient): RenderedLetter;
  /**
   * The letter as a document, the same for every recipient: the chief
   * executive's letter, without a copy notice, in the print layout (the
   * email's layout when the campaign has none).
   */
  document(authority: Authority): LetterDocument;
}

/** What can render a recipient's letter: a renderer, or one that marks its letters (a test run's). */
export type LetterSource = Pick<LetterRenderer, 'render'>;

/** The cover note's templates, beside the letter's: `cover-note/note.html.hbs` and `note.txt.hbs`. */
const COVER_NOTE_DIR = 'cover-note';

export interface RenderOptions {
  /** Folder holding letter.mjml and partials/: the campaign folder's templates/. Default: the bundled 2023-24 campaign's. */
  templatesDir?: string;
}

/** Loads and checks the templates and runs MJML (strict) once; throws on any template error. */
export async function compileLetter(campaign: Campaign, options: RenderOptions = {}): Promise<CompiledLetter> {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir();
  const source = await loadLetterSource(templatesDir);
  checkTemplateRules(source, templatesDir);
  checkWordingKeys(source, campaign);
  const html = await mjmlToHtml(source, templatesDir);
  const compiled: CompiledLetter = { html, text: htmlTemplateToTextTemplate(html) };
  if (campaign.letterAs === 'pdf') {
    const read = (name: string) => readFile(join(templatesDir, COVER_NOTE_DIR, name), 'utf8');
    compiled.coverNote = { html: await read('note.html.hbs'), text: await read('note.txt.hbs') };
  }
  const print = await compilePrint(campaign, templatesDir);
  if (print) compiled.print = print;
  return compiled;
}

/** print.mjml, when the campaign has one, checked and run through MJML like letter.mjml, with the letterhead's logo. */
async function compilePrint(campaign: Campaign, templatesDir: string): Promise<CompiledLetter['print']> {
  const exists = await access(join(templatesDir, PRINT_TEMPLATE)).then(
    () => true,
    () => false,
  );
  if (!exists) return undefined;
  const source = await loadLetterSource(templatesDir, PRINT_TEMPLATE);
  checkTemplateRules(source, templatesDir, PRINT_TEMPLATE);
  checkWordingKeys(source, campaign);
  const html = await mjmlToHtml(source, templatesDir, PRINT_TEMPLATE);
  const logo = campaign.letterhead ? await readLetterheadLogo(templatesDir, campaign.letterhead) : null;
  return { html, logo };
}

/**
 * A renderer from already compiled templates: per letter, only the two
 * Handlebars calls. A template that fails for a letter is a RenderError
 * naming the expression and its figure, and its file and line when the
 * template files' `locations` are given.
 */
export function rendererFromCompiled(campaign: Campaign, compiled: CompiledLetter, locations?: TemplateLocations): LetterRenderer {
  const compile = (source: string, mode: 'html' | 'text') => explainingFailures(compileTemplate(source, mode), source, locations);
  const html = compile(compiled.html, 'html');
  const text = compile(compiled.text, 'text');
  const subject = compileSubject(campaign);
  const views = buildCampaignViews(campaign);
  const averages = buildAveragesByKind(campaign);

  const view = (authority: Authority, recipient: Recipient): LetterView => {
    const a = cleanAuthority(authority);
    const r = cleanRecipient(recipient);
    return buildLetterView(campaign, views.html, averages, a, r, subject(a, r));
  };
  const body =
    (htmlTemplate: LetterTemplate, textTemplate: LetterTemplate) =>
    (authority: Authority, recipient: Recipient): RenderedLetter => {
      const letter = view(authority, recipient);
      return {
        subject: letter.subject,
        html: htmlTemplate(letter),
        // Same view, with the campaign wording as plain text instead of HTML.
        text: textTemplate({ ...letter, campaign: views.text }).trim(),
      };
    };
  const letter = body(html, text);
  if (campaign.letterAs === 'pdf' && !compiled.coverNote)
    throw new Error(`campaign ${campaign.id} sends the letter only as a PDF, but no cover note was compiled`);
  const email =
    compiled.coverNote && campaign.letterAs === 'pdf'
      ? body(compile(compiled.coverNote.html, 'html'), compile(compiled.coverNote.text, 'text'))
      : letter;

  const print = compiled.print ? compile(compiled.print.html, 'html') : null;
  const letterhead: PrintView['letterhead'] =
    campaign.letterhead && compiled.print?.logo
      ? { logo: compiled.print.logo, logoAlt: campaign.letterhead.logoAlt, address: campaign.letterhead.address }
      : null;

  return {
    render: email,
    document(authority) {
      const ceo = recipientsOf(authority)[0]!;
      if (!print) {
        const rendered = letter(authority, ceo);
        return { title: rendered.subject, html: rendered.html };
      }
      const printView: PrintView = { ...view(authority, ceo), letterhead };
      return { title: printView.subject, html: print(printView) };
    },
  };
}

/** Compiles the templates for one campaign once; throws on an MJML strict validation error. */
export async function createLetterRenderer(campaign: Campaign, options: RenderOptions = {}): Promise<LetterRenderer> {
  const locations = await TemplateLocations.read(options.templatesDir ?? defaultTemplatesDir());
  return rendererFromCompiled(campaign, await compileLetter(campaign, options), locations);
}

/** The reference path: Handlebars into MJML, then mjml2html, for every letter. */
export async function renderWithMjml(
  campaign: Campaign,
  authority: Authority,
  recipient: Recipient,
  options: RenderOptions = {},
): Promise<RenderedLetter> {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir();
  const source = await loadLetterSource(templatesDir);
  checkTemplateRules(source, templatesDir);
  checkWordingKeys(source, campaign);
  const a = cleanAuthority(authority);
  const r = cleanRecipient(recipient);
  const subjectLine = compileSubject(campaign)(a, r);
  const views: { html: CampaignView } = buildCampaignViews(campaign);
  const mjml = compileTemplate(source, 'html')(buildLetterView(campaign, views.html, buildAveragesByKind(campaign), a, r, subjectLine));
  const html = await mjmlToHtml(mjml, templatesDir);
  return { subject: subjectLine, html, text: htmlToPlainText(html) };
}

type SubjectTemplate = (authority: Authority, recipient: Recipient) => string;

/** The campaign's subject pattern; it sees `campaign`, `authority` and `recipient`. */
function compileSubject(campaign: Campaign): SubjectTemplate {
  const template: LetterTemplate = compileTemplate(campaign.mail.subject, 'text');
  return (authority, recipient) => {
    const subject = template({ campaign, authority, recipient }).trim();
    // Data is cleaned to one line already; this guards the pattern itself.
    if (subject === '' || /[\r\n]/.test(subject)) {
      throw new RenderError(`The subject for authority "${authority.id}" is empty or contains a line break: ${JSON.stringify(subject)}`);
    }
    return subject;
  };
}
