/**
 * Test mode (`run --test-to ADDRESS`, or TEST_RECIPIENT): the whole run, with
 * every letter sent to one inbox instead of its recipient, marked as a test
 * in its subject and at its top (naming the real recipient).
 *
 * A test run is a campaign of its own, "<campaign>~test": its own stored
 * snapshot, ledger namespace, job ids ("<campaign>~test-<authorityId>") and
 * Message-IDs, so it never marks a real recipient as sent and never blocks
 * the real run's jobs. Jobs still carry ids only (and `test: true`); the test
 * inbox is kept in Redis with the run:
 *
 * (StorageKeys.testRun: one record per test campaign)
 *
 * The worker treats any job of a "~test" campaign as a test, whatever its
 * data says, and refuses it when the test inbox is not stored: a test letter
 * can reach its test inbox or nobody.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type Authority,
  type Campaign,
  isTestCampaign,
  type Recipient,
  type RenderedLetter,
  recipientsOf,
  type TestNoticeSource,
  type TestRunSettings,
  testCampaignId,
} from '../domain/index.js';
import { TEMPLATES_DIR } from '../paths.js';
import { recipientTitle } from '../render/letter-view.js';
import { compileTemplate, type LetterTemplate } from '../render/templates.js';
import { type LetterJobData, letterJobId } from '../schedule/queues.js';
import type { LetterSource } from '../send/deliver-authority.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { StorageKeys } from '../storage/keys.js';
import type { Ledger } from '../storage/ledger.js';
import { decodeTestRunSettings, encodeTestRunSettings } from '../storage/records.js';

export { isTestCampaign, testCampaignId };

export class TestRuns {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StorageKeys(prefix);
  }

  async save(settings: TestRunSettings): Promise<void> {
    await this.redis.set(this.keys.testRun(testCampaignId(settings.campaign)), encodeTestRunSettings(settings));
  }

  /** The settings of a test campaign's run; null for a real campaign, or when none are stored. */
  async get(testCampaign: string): Promise<TestRunSettings | null> {
    if (!isTestCampaign(testCampaign)) return null;
    const json = await this.redis.get(this.keys.testRun(testCampaign));
    return json ? decodeTestRunSettings(json) : null;
  }

  private readonly notices = new Map<string, TestNotice>();

  /** `testDelivery`, with each run's test marks compiled once. */
  delivery(settings: TestRunSettings, campaign: Campaign, authority: Authority, renderer: LetterSource) {
    const key = `${settings.campaign}/${settings.startedAt}`;
    let notice = this.notices.get(key);
    if (!notice) {
      notice = compileTestNotice(settings.notice);
      this.notices.set(key, notice);
    }
    return testDelivery(campaign, authority, renderer, settings, notice);
  }
}

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

/**
 * What the worker delivers for one authority in a test run: the same
 * authority with every address replaced by the test inbox (the delivery log
 * says where each letter went; the test ledger, seeded at fan-out, keeps whom
 * each was for), and letters rendered for the real recipients, then marked.
 */
export function testDelivery(
  campaign: Campaign,
  authority: Authority,
  renderer: LetterSource,
  settings: TestRunSettings,
  notice: TestNotice,
): { authority: Authority; renderer: LetterSource } {
  const real = new Map(recipientsOf(authority).map((r) => [r.key, r]));
  return {
    authority: redirectAuthority(authority, settings.to),
    renderer: {
      render(_redirected, recipient) {
        const realRecipient = real.get(recipient.key);
        if (!realRecipient) throw new Error(`test run: ${authority.id} has no recipient ${recipient.key}`);
        const letter = renderer.render(authority, realRecipient);
        return markAsTest(letter, { campaign, authority, recipient: realRecipient, testInbox: settings.to }, notice);
      },
    },
  };
}

export function redirectAuthority(authority: Authority, to: string): Authority {
  return {
    ...authority,
    chiefExecutive: { ...authority.chiefExecutive, email: to },
    head: authority.head && { ...authority.head, email: to },
    copies: authority.copies.map((copy) => ({ ...copy, email: to })),
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

/**
 * Makes way for a new test run: the previous one's finished jobs are removed
 * (their ids would otherwise stop the new jobs being added) and its ledger
 * namespace emptied, so every letter of the new run is sent again. Refuses
 * while any of its jobs is still waiting or active.
 */
export async function discardFinishedTestRun(options: {
  queue: Queue<LetterJobData>;
  store: CampaignStore;
  ledger: Ledger;
  testCampaign: string;
}): Promise<{ removed: number } | { busy: string }> {
  const { queue, store, ledger, testCampaign } = options;
  if (!isTestCampaign(testCampaign) || ledger.namespace !== testCampaign) throw new Error(`${testCampaign} is not a test campaign`);
  const finished = [];
  for await (const authority of store.authorities(testCampaign)) {
    const job = await queue.getJob(letterJobId(testCampaign, authority.id));
    if (!job) continue;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return { busy: `job ${job.id} of the previous test run is ${state}` };
    finished.push(job);
  }
  for (const job of finished) await job.remove();
  await ledger.destroy();
  return { removed: finished.length };
}
