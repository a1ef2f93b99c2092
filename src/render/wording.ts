/**
 * Year-specific wording from the campaign file: plain paragraphs where
 * `[text](url)` makes a link. Converted once per campaign, to HTML for the
 * HTML part and to plain text for the text part.
 */
import Handlebars from 'handlebars';
import { WORDING_LINK } from '../domain/index.js';
import { htmlToPlainText } from './text.js';

// The escaping Handlebars applies to letter data, so all text is escaped alike.
const escapeHtml = Handlebars.Utils.escapeExpression;

/** One campaign paragraph as HTML: text escaped, `[text](url)` as a link. */
export function wordingToHtml(paragraph: string): string {
  let html = '';
  let last = 0;
  for (const m of paragraph.matchAll(WORDING_LINK)) {
    const [whole, text, url] = m as unknown as [string, string, string];
    html += `${escapeHtml(paragraph.slice(last, m.index))}<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
    last = m.index + whole.length;
  }
  return html + escapeHtml(paragraph.slice(last));
}

/** The same paragraph as the text part shows it ("text [url]"). */
export function wordingToText(paragraph: string): string {
  return htmlToPlainText(`<p>${wordingToHtml(paragraph)}</p>`);
}
