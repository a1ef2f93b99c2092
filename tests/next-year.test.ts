/**
 * Next year's letter is a folder, not a code change: a copy of the 2024-25
 * campaign with a figure, a rule, a sentence and a copy role added by editing
 * files only is validated, rendered and delivered (real Redis, real SMTP).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCommand } from '../src/cli/commands/render.js';
import { runCommand } from '../src/cli/commands/run.js';
import { validateCommand } from '../src/cli/commands/validate.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { approve } from './support/approve.js';
import { copyCampaignCutTo, editFile } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const SAMPLE_2024_25 = join(PACKAGE_ROOT, 'data', 'sample-2024-25');
const CAMPAIGN = '2024-25';
/** The authorities the copy keeps: few enough for a quick run, Liverpool's figures are the Ombudsman's own. */
const KEPT = ['liverpool-city-council', 'lcrca', 'exmoor-national-park-authority'];

let harness: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** data/sample-2024-25 copied whole, then cut down to the KEPT authorities. */
async function copyOf2024(): Promise<string> {
  const dir = await copyCampaignCutTo(SAMPLE_2024_25, KEPT, 'next-year');
  dirs.push(dir);
  return dir;
}

/** The parts of campaign.json these tests change. */
interface CampaignJson {
  figures: { column: string; counts: string; blank?: boolean }[];
  rules: { rule: string; [key: string]: string }[];
  averages: Record<string, Record<string, number>>;
  recipients: { copies: { role: string; title: string }[] };
}

async function editJson(file: string, change: (json: CampaignJson) => void): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8')) as CampaignJson;
  change(json);
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** What a person does for a new figure and a new copy role: campaign.json, authorities.csv, contacts.csv and two partials. */
async function addPublicReportsAndLinkOfficers(dir: string, reports: Record<string, number>): Promise<void> {
  await editJson(join(dir, 'campaign.json'), (c) => {
    c.figures.push({ column: 'public_reports', counts: 'public reports we issued about the authority' });
    c.rules.push({ rule: 'part', part: 'public_reports', whole: 'upheld' });
    c.recipients.copies.push({ role: 'link-officer', title: 'Link Officer' });
  });
  await editFile(
    join(dir, 'authorities.csv'),
    (text) =>
      `${text
        .trimEnd()
        .split('\n')
        .map((line, i) => `${line},${i === 0 ? 'public_reports' : (reports[line.split(',')[0]!] ?? 0)}`)
        .join('\n')}\n`,
  );
  await writeFile(
    join(dir, 'contacts.csv'),
    'authority_id,role,name,email\n' +
      'liverpool-city-council,link-officer,Sam Link,sam.link@liverpool-city-council.example.org\n' +
      'lcrca,link-officer,Kim Link,kim.link@lcrca.example.org\n',
  );
  await editFile(join(dir, 'templates', 'partials', 'statistics-upheld.mjml'), (text) =>
    text.replace(
      '    {{else}}',
      '    {{#if figures.public_reports}}\n' +
        '    <p>We issued {{inWords figures.public_reports}} public {{plural figures.public_reports "report" "reports"}} about your organisation.</p>\n' +
        '    {{/if}}\n    {{else}}',
    ),
  );
  await editFile(join(dir, 'templates', 'partials', 'copy-notice.mjml'), (text) =>
    text.replace(
      '  </div>',
      '    {{#if (eq recipient.role "link-officer")}}\n' +
        '    <p class="copy-notice" role="note"><strong>Copy for {{recipient.name}}, {{recipient.title}}.</strong> As your authority\'s link officer you receive a copy of the letter sent to {{chiefExecutive.fullName}}.</p>\n' +
        '    {{/if}}\n  </div>',
    ),
  );
}

function capture(): { lines: string[]; print: { out: (l: string) => void; err: (l: string) => void } } {
  const lines: string[] = [];
  return { lines, print: { out: (l) => lines.push(l), err: (l) => lines.push(l) } };
}

describe("next year's letter, made by editing the campaign folder only", () => {
  it('validates, renders and delivers a new figure with its rule and sentence, and a new copy role with its two contacts', async () => {
    const dir = await copyOf2024();
    await addPublicReportsAndLinkOfficers(dir, { 'liverpool-city-council': 2 });

    const validated = capture();
    await validateCommand({ data: dir }, validated.print);
    // Liverpool: ceo, head, its monitoring officers and a link officer; lcrca likewise; Exmoor has no link officer.
    expect(validated.lines.at(-1)).toMatch(/^ok: campaign 2024-25, 3 authorities, \d+ deliveries$/);

    const rendered = capture();
    await renderCommand({ data: dir, authority: 'liverpool-city-council', recipient: 'link-officer-1', format: 'text' }, rendered.print);
    const text = rendered.lines.join('\n');
    expect(text).toContain("Copy for Sam Link, Link Officer. As your authority's link officer you receive a copy of the letter sent to");
    expect(text).toContain('We issued two public reports about your organisation.');

    harness = await startHarness('next-year', { sink: { keepRaw: true } });
    await harness.startWorker();
    await approve(harness.config, dir);
    await runCommand({ data: dir, wait: false }, harness.config, quietPrint);
    const totals = await harness.waitIdle(KEPT.length, CAMPAIGN);
    expect(totals).toMatchObject({ pending: 0, temporaryFailures: 0, permanentFailures: 0 });

    const letters = harness.sink.received.map((m) => m.letter.replace(`${CAMPAIGN}/`, ''));
    expect(letters.filter((l) => l.endsWith('/link-officer-1')).sort()).toEqual([
      'lcrca/link-officer-1',
      'liverpool-city-council/link-officer-1',
    ]);
    const linkCopy = harness.sink.received.find((m) => m.letter === `${CAMPAIGN}/liverpool-city-council/link-officer-1`)!;
    const mail = await simpleParser(harness.sink.raw.get(linkCopy.messageId)!);
    expect(mail.to).toMatchObject({ value: [{ address: 'sam.link@liverpool-city-council.example.org' }] });
    expect(mail.text).toContain('We issued two public reports about your organisation.');
    expect(mail.text).toContain('Copy for Sam Link, Link Officer.');
    // The chief executive's letter has the new sentence and no copy notice.
    const ceo = harness.sink.received.find((m) => m.letter === `${CAMPAIGN}/liverpool-city-council/ceo`)!;
    const ceoText = (await simpleParser(harness.sink.raw.get(ceo.messageId)!)).text ?? '';
    expect(ceoText).toContain('We issued two public reports about your organisation.');
    expect(ceoText).not.toContain('Copy for');
  }, 60_000);

  it('reports a row that breaks the new rule, naming both figures, and enqueues nothing', async () => {
    const dir = await copyOf2024();
    await addPublicReportsAndLinkOfficers(dir, { 'liverpool-city-council': 24 });
    const validated = capture();
    await expect(validateCommand({ data: dir }, validated.print)).rejects.toThrow(/problems listed above/);
    expect(validated.lines).toEqual([
      expect.stringMatching(/^authorities\.csv:\d+: public_reports: public_reports \(24\) is more than upheld \(23\)$/),
    ]);
  });
});

/** One problem line of `validate` for a copy of data/sample-2024-25 after `change`. */
async function problemsAfter(change: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = await copyOf2024();
  await change(dir);
  const validated = capture();
  await expect(validateCommand({ data: dir }, validated.print)).rejects.toThrow(/problems listed above/);
  return validated.lines;
}

describe('a campaign folder that contradicts itself is a validate problem naming the file, the key and the reason', () => {
  it.each([
    {
      name: 'a figure declared twice',
      change: (dir: string) => editJson(join(dir, 'campaign.json'), (c) => c.figures.push({ column: 'upheld', counts: 'again' })),
      problem: /^campaign\.json:\d+: figures\.10\.column: figure 'upheld' is declared twice \(first as figures\.5\)$/,
    },
    {
      name: 'a template using a figure the campaign does not declare',
      change: (dir: string) =>
        editFile(join(dir, 'templates', 'partials', 'statistics-upheld.mjml'), (t) =>
          t.replace('{{count figures.upheld}}', '{{count figures.uphold}}'),
        ),
      problem: /^templates\/partials\/statistics-upheld\.mjml:5: figures\.uphold: 'uphold' is not a figure campaign\.json declares/,
    },
    {
      name: 'a declared figure no template uses',
      change: (dir: string) =>
        editJson(join(dir, 'campaign.json'), (c) => {
          c.figures.push({ column: 'early_resolutions', counts: 'complaints resolved early', blank: true });
        }).then(() =>
          editFile(join(dir, 'authorities.csv'), (t) => t.replace(/\n/g, ',\n').replace(/^([^\n]*),\n/, '$1,early_resolutions\n')),
        ),
      problem: /^campaign\.json:\d+: figures\.10\.column: figure 'early_resolutions' is declared but no template uses it/,
    },
    {
      name: 'an unknown rule',
      change: (dir: string) =>
        editJson(join(dir, 'campaign.json'), (c) => c.rules.push({ rule: 'ratio', part: 'upheld', whole: 'complaints' })),
      problem: /^campaign\.json:\d+: rules\.6\.rule: unknown rule; use one of part, total, sum-at-most, rate-base$/,
    },
    {
      name: 'a rule naming a figure that is not declared',
      change: (dir: string) =>
        editJson(join(dir, 'campaign.json'), (c) => c.rules.push({ rule: 'part', part: 'upheld', whole: 'investigated' })),
      problem: /^campaign\.json:\d+: rules\.6\.whole: rule 'part' names 'investigated', which is not a declared figure$/,
    },
    {
      name: 'a copy role nobody in contacts.csv has',
      change: async (dir: string) => {
        await editJson(join(dir, 'campaign.json'), (c) => c.recipients.copies.push({ role: 'link-oficer', title: 'Link Officer' }));
        await writeFile(
          join(dir, 'contacts.csv'),
          'authority_id,role,name,email\nlcrca,link-officer,Kim Link,kim.link@lcrca.example.org\n',
        );
      },
      problem: /^contacts\.csv:2: role: unknown role 'link-officer': campaign\.json recipients\.copies does not name it/,
    },
    {
      name: 'a template naming a role the campaign does not copy to',
      change: (dir: string) =>
        editFile(join(dir, 'templates', 'partials', 'copy-notice.mjml'), (t) =>
          t.replace('(eq recipient.role "mo")', '(eq recipient.role "monitoring-officer")'),
        ),
      problem: /^templates\/partials\/copy-notice\.mjml:4: recipient\.role: unknown role 'monitoring-officer'/,
    },
    {
      name: 'averages missing a kind present in the data',
      change: (dir: string) => editJson(join(dir, 'campaign.json'), (c) => delete c.averages['national-park']),
      problem:
        /^campaign\.json:\d+: averages\.national-park: no averages for kind 'national-park', which authorities\.csv uses \(first on line \d+\)$/,
    },
    {
      name: 'a misspelt figure column in authorities.csv',
      change: (dir: string) => editFile(join(dir, 'authorities.csv'), (t) => t.replace(',not_for_us,', ',not_for_uss,')),
      problem: /^authorities\.csv:1: not_for_us: missing column 'not_for_us'; the rows were not checked$/,
    },
  ])('$name', async ({ change, problem }) => {
    expect(await problemsAfter(change)).toContainEqual(expect.stringMatching(problem));
  });
});
