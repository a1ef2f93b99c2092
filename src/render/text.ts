/**
 * The plain-text part. Both render paths use the same html-to-text options,
 * so the precompiled text template and a per-letter conversion agree byte
 * for byte.
 */
import { compile, type HtmlToTextOptions } from 'html-to-text';

const options: HtmlToTextOptions = {
  // Mail clients wrap plain text themselves; hard wraps would also make the
  // text depend on the length of names, which the precompiled path cannot know.
  wordwrap: false,
  selectors: [
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
  ],
};

const convert = compile(options);

/** A whole letter (or a fragment) as plain text, without leading or trailing blank lines. */
export function htmlToPlainText(html: string): string {
  return convert(html).trim();
}

/**
 * A Handlebars block tag (`{{#if x}}`, `{{else}}`, `{{/if}}`, ...) that
 * html-to-text placed on a line of its own, with the line breaks before it.
 */
const STANDALONE_BLOCK_TAGS = /\n+ *((?:\{\{~?(?:[#^/]|else\b)[^}]*\}\} *)+)(?=\n|$)/g;

/**
 * Turns the compiled HTML template (still holding Handlebars expressions) into
 * a plain-text Handlebars template.
 *
 * html-to-text puts a block tag that wraps whole paragraphs on its own line,
 * between blank lines. Dropping the line breaks *before* each such tag leaves
 * exactly one separator per paragraph whichever branch is taken:
 * "A\n\n{{#if x}}\n\nB\n\n{{/if}}\n\nC" becomes "A{{#if x}}\n\nB{{/if}}\n\nC".
 * Template rule that follows: a condition wraps whole <p>/<h2> elements, or
 * sits inside a sentence; it never makes up a whole paragraph on its own.
 */
export function htmlTemplateToTextTemplate(htmlTemplate: string): string {
  // Spaces between such tags are the template's indentation, not text.
  return htmlToPlainText(htmlTemplate).replace(STANDALONE_BLOCK_TAGS, (_, tags: string) => tags.replace(/\}\} +/g, '}}'));
}
