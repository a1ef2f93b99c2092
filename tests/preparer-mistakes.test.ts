/**
 * The mistakes a person makes preparing next year's letter from last year's
 * folder, each caught before anyone approves, with a message that says where
 * and what to write instead. Each test starts from a copy of the bundled
 * 2024-25 campaign cut down to three authorities and makes one mistake, by
 * editing files only, as the preparer would; the commands run as they would
 * (the CLI as a real process where its exact output is the contract).
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCommand } from '../src/cli/commands/render.js';
import { validateCommand } from '../src/cli/commands/validate.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { recipientsOf } from '../src/domain/index.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { compileLetter, rendererFromCompiled } from '../src/render/letter-renderer.js';
import { copyCampaignCutTo, editFile } from './support/data-set.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
const SAMPLE_2024_25 = join(PACKAGE_ROOT, 'data', 'sample-2024-25');
/** Liverpool's figures are the Ombudsman's own; lcrca (a monitoring officer) and Exmoor have no population. */
const KEPT = ['liverpool-city-council', 'lcrca', 'exmoor-national-park-authority'];

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** data/sample-2024-25 copied whole, then cut down to the KEPT authorities. */
async function copyOf2024(): Promise<string> {
  const dir = await copyCampaignCutTo(SAMPLE_2024_25, KEPT, 'preparer');
  dirs.push(dir);
  return dir;
}

interface CampaignJson {
  letterDate: string;
  letterAs?: string;
  wording: Record<string, string[]>;
  figures: { column: string; counts: string; blank?: boolean }[];
  rules: { rule: string; [key: string]: string | string[] }[];
  recipients: { copies: { role: string; title?: string }[] };
}

/** campaign.json changed and written back as a person's editor would keep it: two-space indent, one key a line. */
async function editJson(dir: string, change: (json: CampaignJson) => void): Promise<string> {
  const file = join(dir, 'campaign.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as CampaignJson;
  change(json);
  const text = `${JSON.stringify(json, null, 2)}\n`;
  await writeFile(file, text);
  return text;
}

/** The line (from 1) of the `n`th line of `text` that contains `needle` (n from 1). */
function lineOf(text: string, needle: string, n = 1): number {
  const lines = text.split('\n');
  let seen = 0;
  const index = lines.findIndex((line) => line.includes(needle) && ++seen === n);
  if (index === -1) throw new Error(`no ${needle} in the text`);
  return index + 1;
}

function capture(): { lines: string[]; print: { out: (l: string) => void; err: (l: string) => void } } {
  const lines: string[] = [];
  return { lines, print: { out: (l) => lines.push(l), err: (l) => lines.push(l) } };
}

/** Every line `validate` prints for the folder, and whether it passed. */
async function validate(dir: string): Promise<{ ok: boolean; lines: string[] }> {
  const { lines, print } = capture();
  const ok = await validateCommand({ data: dir }, print).then(
    () => true,
    (error: Error) => {
      expect(error.message).toMatch(/problems listed above/);
      return false;
    },
  );
  return { ok, lines };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], { env: { ...process.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A new copy role for 2025-26, with its two contacts. */
async function addScrutinyChair(dir: string): Promise<string> {
  const text = await editJson(dir, (c) => c.recipients.copies.push({ role: 'scrutiny-chair', title: 'Chair of Scrutiny' }));
  await writeFile(
    join(dir, 'contacts.csv'),
    'authority_id,role,name,email\n' +
      'liverpool-city-council,scrutiny-chair,Sam Chair,sam.chair@liverpool-city-council.example.org\n' +
      'lcrca,scrutiny-chair,Kim Chair,kim.chair@lcrca.example.org\n',
  );
  return text;
}

describe('a copy role declared without its copy notice', () => {
  it('is a validate problem at the role in campaign.json that says how to add the notice or say none is needed', async () => {
    const dir = await copyOf2024();
    const text = await addScrutinyChair(dir);
    const { ok, lines } = await validate(dir);
    expect(ok).toBe(false);
    expect(lines).toEqual([
      `campaign.json:${lineOf(text, '"scrutiny-chair"')}: recipients.copies.3.role: role 'scrutiny-chair' has no copy notice in the letter ` +
        `(templates/letter.mjml and its partials): nothing there tests (eq recipient.role "scrutiny-chair") or recipient.isCopy, ` +
        `so its recipients would get what reads as the chief executive's own letter. Add a notice (templates/partials/copy-notice.mjml), ` +
        'or write <!-- no copy notice: scrutiny-chair --> in a template if this role needs none',
    ]);
  });

  it('validates once the templates give the role a notice, or say it needs none', async () => {
    const withNotice = await copyOf2024();
    await addScrutinyChair(withNotice);
    await editFile(join(withNotice, 'templates', 'partials', 'copy-notice.mjml'), (t) =>
      t.replace(
        '  </div>',
        '    {{#if (eq recipient.role "scrutiny-chair")}}\n    <p class="copy-notice" role="note"><strong>Copy for {{recipient.name}}, {{recipient.title}}.</strong></p>\n    {{/if}}\n  </div>',
      ),
    );
    expect(await validate(withNotice)).toMatchObject({ ok: true });

    const needsNone = await copyOf2024();
    await addScrutinyChair(needsNone);
    await editFile(join(needsNone, 'templates', 'partials', 'copy-notice.mjml'), (t) => `<!-- no copy notice: scrutiny-chair -->\n${t}`);
    expect(await validate(needsNone)).toMatchObject({ ok: true });
  });

  it('is a problem for each cover note file that lacks it when the letter travels only as a PDF', async () => {
    const dir = await copyOf2024();
    const text = await editJson(dir, (c) => {
      c.letterAs = 'pdf';
      c.wording.coverNote = ['Please find attached your annual review letter.'];
    });
    await editFile(join(dir, 'templates', 'cover-note', 'note.txt.hbs'), (t) =>
      t.replace('{{#if recipient.isCopy}}', '{{#if (eq recipient.role "head")}}'),
    );
    const { lines } = await validate(dir);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^campaign\\.json:${lineOf(text, '"mo"')}: recipients\\.copies\\.2\\.role: role 'mo' has no copy notice in templates/cover-note/note\\.txt\\.hbs:`,
        ),
      ),
    ]);
  });

  it('names a role a template says needs no notice that the campaign does not copy to', async () => {
    const dir = await copyOf2024();
    await editFile(join(dir, 'templates', 'partials', 'copy-notice.mjml'), (t) => `<!-- no copy notice: scrutiny-chiar -->\n${t}`);
    expect((await validate(dir)).lines).toEqual([
      "templates/partials/copy-notice.mjml:1: recipient.role: unknown role 'scrutiny-chiar'; campaign.json recipients.copies names ceo, head, mo",
    ]);
  });
});

describe('a sum-at-most rule: parts that add up to at most their whole', () => {
  it('reports a row whose parts exceed the whole, naming every figure, and passes one where they do not', async () => {
    const dir = await copyOf2024();
    // 2025-26 drops not_for_us from the total: the two parts left may no longer make the whole, but never exceed it.
    await editJson(dir, (c) => {
      c.rules[0] = { rule: 'sum-at-most', whole: 'complaints', parts: ['assessed_and_closed', 'investigations'] };
    });
    expect(await validate(dir)).toMatchObject({ ok: true });

    const rows = (await readFile(join(dir, 'authorities.csv'), 'utf8')).split('\n');
    const liverpool = rows.findIndex((row) => row.startsWith('liverpool-city-council,'));
    // Liverpool: complaints 165 = 62 + 74 + 29; complaints 90 is under 74 + 29.
    await editFile(join(dir, 'authorities.csv'), (t) => t.replace(',165,62,74,29,', ',90,62,74,29,'));
    expect((await validate(dir)).lines).toEqual([
      `authorities.csv:${liverpool + 1}: complaints: assessed_and_closed + investigations (74 + 29 = 103) is more than complaints (90)`,
    ]);
  });
});

describe('campaign.json problems', () => {
  it('point at the exact line of every list entry, counted from 1', async () => {
    const dir = await copyOf2024();
    const text = await editJson(dir, (c) => {
      c.figures[3]!.column = 'Investigations';
      c.figures.push({ column: 'upheld', counts: 'again' });
    });
    const { lines } = await validate(dir);
    expect(lines).toContain(
      `campaign.json:${lineOf(text, '"Investigations"')}: figures.4.column: use lower-case letters, digits and "_" only`,
    );
    expect(lines).toContain(
      `campaign.json:${lineOf(text, '"column": "upheld"', 2)}: figures.10.column: figure 'upheld' is declared twice (first as figures.5)`,
    );
  });

  it.each([
    ['17/06/2026', '"17/06/2026" is not written as YYYY-MM-DD: for 17 June 2026 write "2026-06-17"'],
    ['17 June 2026', '"17 June 2026" is not written as YYYY-MM-DD: for 17 June 2026 write "2026-06-17"'],
    ['2026-06-31', '"2026-06-31" is not a date: June 2026 has 30 days; write dates as YYYY-MM-DD, e.g. "2026-06-17" for 17 June 2026'],
  ])('say the form expected, with an example, for the letter date %s', async (letterDate, reason) => {
    const dir = await copyOf2024();
    const text = await editJson(dir, (c) => {
      c.letterDate = letterDate;
    });
    expect((await validate(dir)).lines[0]).toBe(`campaign.json:${lineOf(text, '"letterDate"')}: letterDate: ${reason}`);
  });

  it('report a missing comma at the line of the value it belongs after, not where the parser noticed', async () => {
    const dir = await copyOf2024();
    await editFile(join(dir, 'campaign.json'), (t) => t.replace('"sendTime": "09:00",', '"sendTime": "09:00"'));
    const text = await readFile(join(dir, 'campaign.json'), 'utf8');
    const line = lineOf(text, '"sendTime"');
    // The key the parser stopped at: the one on the next line.
    const next = /"[A-Za-z]+"/.exec(text.split('\n')[line]!)![0];
    expect((await validate(dir)).lines[0]).toBe(
      `campaign.json:${line}: -: is not valid JSON: a comma is missing after this value, before '${next}' (column 21)`,
    );
  });

  it('report a misspelt key once, at the key, with the name it was meant to be', async () => {
    const dir = await copyOf2024();
    await editFile(join(dir, 'campaign.json'), (t) => t.replace('"surveyUrl"', '"surveyURL"'));
    const text = await readFile(join(dir, 'campaign.json'), 'utf8');
    expect((await validate(dir)).lines).toEqual([
      `campaign.json:${lineOf(text, '"surveyURL"')}: surveyURL: unknown key 'surveyURL'; did you mean 'surveyUrl'?`,
      expect.stringMatching(/^authorities\.csv: not checked/),
      expect.stringMatching(/^monitoring-officers\.csv: not checked/),
    ]);
  });

  it('report a key written twice at the second, since JSON keeps only that one', async () => {
    const dir = await copyOf2024();
    await editFile(join(dir, 'campaign.json'), (t) =>
      t.replace('"sendTime": "09:00",', '"sendTime": "09:00",\n  "letterDate": "2025-05-22",'),
    );
    const text = await readFile(join(dir, 'campaign.json'), 'utf8');
    expect((await validate(dir)).lines).toEqual([
      `campaign.json:${lineOf(text, '"letterDate"', 2)}: letterDate: 'letterDate' is written twice (first on line ${lineOf(text, '"letterDate"')}); JSON keeps only this one: remove one`,
    ]);
  });
});

describe('a template naming a figure the campaign does not declare', () => {
  async function misspelt(): Promise<string> {
    const dir = await copyOf2024();
    // The same misspelt figure twice on one line.
    await editFile(join(dir, 'templates', 'partials', 'statistics-upheld.mjml'), (t) =>
      t.replace(
        '{{percent figures.upheld figures.investigations}}',
        '{{percent figures.uphold figures.investigations}} ({{count figures.uphold}})',
      ),
    );
    return dir;
  }

  it('is one validate problem however often the line uses it, with the name it was probably meant to be', async () => {
    const { lines } = await validate(await misspelt());
    expect(lines).toEqual([
      "templates/partials/statistics-upheld.mjml:5: figures.uphold: 'uphold' is not a figure campaign.json declares; did you mean 'upheld'? " +
        '(figures: complaints, not_for_us, assessed_and_closed, investigations, upheld, compliance_outcomes, compliance_met, satisfactory_remedies, population)',
    ]);
  });

  it('makes render refuse with the same problem as validate prints, not a helper error', async () => {
    const result = await cli(['render', '--data', await misspelt(), '--authority', 'liverpool-city-council']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^templates\/partials\/statistics-upheld\.mjml:5: figures\.uphold: 'uphold' is not a figure/);
    expect(result.stderr).toMatch(/\nerror: the campaign in .* has the problems listed above; fix them and render again\n$/);
    expect(result.stderr).not.toMatch(/needs a number|at .*\.js/);
  });

  it('makes run --dry-run refuse without suggesting --skip-invalid, which could not skip it', async () => {
    const dir = await misspelt();
    const dryRun = await cli(['run', '--data', dir, '--dry-run']);
    expect(dryRun.code).toBe(1);
    expect(dryRun.stderr).toMatch(/^templates\/partials\/statistics-upheld\.mjml:5: figures\.uphold: /);
    expect(dryRun.stderr).toMatch(/\nerror: 1 problem\(s\) in .*; nothing was enqueued\n$/);
    expect(dryRun.stderr).not.toMatch(/--skip-invalid/);
  });
});

describe('a blank figure printed without {{#if}}', () => {
  /** lcrca's population is blank; a sentence printing it for every authority breaks its letters only. */
  async function unguarded(): Promise<string> {
    const dir = await copyOf2024();
    await editFile(join(dir, 'templates', 'partials', 'statistics-complaints.mjml'), (t) =>
      t.replace('</div>', '<p>Residents: {{count figures.population}}.</p>\n  </div>'),
    );
    return dir;
  }

  it('is a validate problem at the template line, naming the figure and what to write', async () => {
    const dir = await unguarded();
    const line = lineOf(await readFile(join(dir, 'templates', 'partials', 'statistics-complaints.mjml'), 'utf8'), 'Residents');
    const { ok, lines } = await validate(dir);
    expect(ok).toBe(false);
    // lcrca's three letters and Exmoor's two, the chief executive's first: one problem.
    expect(lines).toEqual([
      `templates/partials/statistics-complaints.mjml:${line}: figures.population: {{count figures.population}} needs a number, ` +
        'but population is blank for this authority; print it inside {{#if figures.population}} (the letter to lcrca (ceo) and 4 more)',
    ]);
  });

  it('makes render of that authority say the same, not a bare helper error', async () => {
    const { lines, print } = capture();
    await expect(renderCommand({ data: await unguarded(), authority: 'lcrca', recipient: 'ceo', format: 'text' }, print)).rejects.toThrow(
      /^templates\/partials\/statistics-complaints\.mjml:\d+: figures\.population: \{\{count figures\.population\}\} needs a number, but population is blank/,
    );
    expect(lines).toEqual([]);
  });

  it("makes a worker's renderer, which has the compiled templates but not their files, name the expression and its figure", async () => {
    const dir = await unguarded();
    const { campaign, validAuthorities } = await loadDataSet(dir);
    const renderer = rendererFromCompiled(campaign!, await compileLetter(campaign!, { templatesDir: join(dir, 'templates') }));
    const lcrca = validAuthorities.find((a) => a.id === 'lcrca')!;
    expect(() => renderer.render(lcrca, recipientsOf(lcrca)[0]!)).toThrow(
      'the letter templates: figures.population: {{count figures.population}} needs a number, but population is blank for this authority; print it inside {{#if figures.population}}',
    );
  });
});

describe('a file that is missing', () => {
  it('is named with its reason and no line 0', async () => {
    const dir = await copyOf2024();
    await addScrutinyChair(dir);
    await rm(join(dir, 'contacts.csv'));
    const { lines } = await validate(dir);
    expect(lines).toContain('contacts.csv: file not found; campaign.json names the copy roles scrutiny-chair, whose people it lists');
    expect(lines.filter((line) => /:0:/.test(line))).toEqual([]);
  });
});

describe('a date in the wording that the letter date has overtaken', () => {
  it('is a warning, not a problem: validate prints it and passes', async () => {
    const dir = await copyOf2024();
    // 2025-26 goes out in June 2026; the sentence copied from 2024-25 still speaks of April 2026 as ahead.
    const text = await editJson(dir, (c) => {
      c.letterDate = '2026-06-17';
    });
    const { ok, lines } = await validate(dir);
    expect(ok).toBe(true);
    expect(lines).toEqual([
      `warning: campaign.json:${lineOf(text, 'from April 2026')}: wording.complaintHandlingCodeCouncils.2: 'April 2026' is before the letter date (2026-06-17) ` +
        'but the sentence speaks of it as still to come ("...we will begin considering it as part of our processes from April 2026."); ' +
        'if it was copied from an earlier year, bring it up to date',
      expect.stringMatching(/^ok: campaign 2024-25, 3 authorities, \d+ deliveries \(1 warning above\)$/),
    ]);
  });

  it('leaves a past date spoken of as past alone (the 2023-24 letter: "take up the role ... in February 2024")', async () => {
    const { lines } = capture();
    await validateCommand({ data: join(PACKAGE_ROOT, 'data', 'sample') }, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(lines).toEqual(['ok: campaign 2023-24, 400 authorities, 1178 deliveries']);
  });
});

describe('an unknown authority id', () => {
  it('gets the id it was probably meant to be', async () => {
    const { print } = capture();
    await expect(
      renderCommand({ data: await copyOf2024(), authority: 'liverpol-city-council', recipient: 'ceo', format: 'text' }, print),
    ).rejects.toThrow(/^no authority with id liverpol-city-council in .*; did you mean 'liverpool-city-council'\?$/);
  });
});
