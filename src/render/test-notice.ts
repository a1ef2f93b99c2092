/**
 * The marks of a test run (`run --test-to`): "[TEST]" in the subject and a
 * notice at the top of the letter naming its real recipient, in the wording
 * of templates/test-mode/ (subject.hbs, notice.html.hbs, notice.txt.hbs).
 * `run` reads and checks the wording and stores it with the run; the workers
 * compile it once per run. Where the letter goes is the send stage's
 * (src/send/test-inbox-provider.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authority, Campaign, Recipient, RenderedLetter, TestNoticeSource, TestRunSettings } from '../domain/index.js';
import { TEMPLATES_DIR } from '../paths.js';
import type { LetterSource } from './letter-renderer.js';
import { recipientTitle } from './letter-view.js';
import { compileTemplate, type LetterTemplate } from './templates.js';

export interface TestNotice {
  subject: LetterTemplate;
  html: LetterTemplate;
  text: LetterTemplate;
}

export async function loadTestNotice(templatesDir: string = TEMPLATES_DIR): Promise<TestNoticeSource> {
  const read = (name: string) => readFile(join(templatesDir, 'test-mode', name), 'utf8');
  const [subject, html, text] = await Promise.all([read('subject.hbs'), read('notice.html.hbs'), read('notice.txt.hbs')]);
  // Compiled here too, so a template error stops `run` rather than every test job.
  compileTestNotice({ subject, html, text });
  return { subject, html, text };
}

export function compileTestNotice(source: TestNoticeSource): TestNotice {
  return {
    subject: compileTemplate(source.subject, 'text'),
    html: compileTemplate(source.html, 'html'),
    text: compileTemplate(source.text, 'text'),
  };
}

/** A renderer whose every letter is marked as a test of the run `settings` (the letter itself is the real recipient's). */
export function markedAsTest(renderer: LetterSource, campaign: Campaign, settings: TestRunSettings, notice: TestNotice): LetterSource {
  return {
    render(authority, recipient) {
      const letter = renderer.render(authority, recipient);
      return markAsTest(letter, { campaign, authority, recipient, testInbox: settings.to }, notice);
    },
  };
}

/** "[TEST] ..." in the subject; the notice first in the HTML body and in the text. */
export function markAsTest(
  letter: RenderedLetter,
  about: { campaign: Campaign; authority: Authority; recipient: Recipient; testInbox: string },
  notice: TestNotice,
): RenderedLetter {
  const { authority, recipient } = about;
  const view = {
    subject: letter.subject,
    testInbox: about.testInbox,
    campaign: { reportingYear: about.campaign.reportingYear },
    authority: { name: authority.name },
    recipient: {
      name: recipient.name,
      email: recipient.email,
      /** "Chief Executive", the head's role, or the copy role's title from the campaign. */
      title: recipientTitle(about.campaign, authority, recipient),
    },
  };
  const html = notice.html(view).trim();
  const body = /<body\b[^>]*>/i.exec(letter.html);
  return {
    subject: notice
      .subject(view)
      .trim()
      .replace(/[\r\n]+/g, ' '),
    html: body
      ? `${letter.html.slice(0, body.index + body[0].length)}\n${html}${letter.html.slice(body.index + body[0].length)}`
      : `${html}\n${letter.html}`,
    text: `${notice.text(view).trim()}\n\n${letter.text}`,
  };
}
