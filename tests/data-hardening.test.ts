/**
 * Input that would reach a letter, a subject line or the console in a
 * misleading form is refused by `validate` (issue 17, items 3, 7 and 8):
 * links other than https: (and mailto: for an address), ids too long for a
 * file or job name, and characters that hide or reorder text.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataSet, parseCampaignJson } from '../src/data/load-data-set.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The parts of campaign.json these tests change. */
interface CampaignJson {
  surveyUrl: string;
  training: { url: string };
  wording: Record<string, string[]>;
}

async function campaignProblems(change: (json: CampaignJson) => void): Promise<string[]> {
  const json = JSON.parse(await readFile(join(SAMPLE_DATA_DIR, 'campaign.json'), 'utf8')) as CampaignJson;
  change(json);
  return parseCampaignJson(Buffer.from(JSON.stringify(json, null, 2))).problems.map((p) => `${p.field}: ${p.reason}`);
}

/** The sample folder with its authorities.csv cut to the header and one edited row, and no attachments. */
async function problemsWithRow(edit: (row: string[]) => void): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'arm-hardening-'));
  dirs.push(dir);
  await cp(SAMPLE_DATA_DIR, dir, { recursive: true });
  const [header, ...rows] = (await readFile(join(dir, 'authorities.csv'), 'utf8')).trimEnd().split('\n');
  const row = rows.find((r) => r.startsWith('lcrca,'))!.split(',');
  edit(row);
  await writeFile(join(dir, 'authorities.csv'), `${header}\n${row.join(',')}\n`);
  await writeFile(join(dir, 'monitoring-officers.csv'), 'authority_id,name,email,registered\n');
  // The row may be renamed: lcrca's own attachments would then belong to nobody.
  await rm(join(dir, 'attachments'), { recursive: true, force: true });
  const { problems } = await loadDataSet(dir);
  return problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.reason}`);
}

describe('links in campaign.json', () => {
  it.each([
    ['surveyUrl', (c: CampaignJson) => (c.surveyUrl = 'javascript:alert(1)')],
    ['surveyUrl', (c: CampaignJson) => (c.surveyUrl = 'http://www.smartsurvey.co.uk/s/ombudsman/')],
    ['training.url', (c: CampaignJson) => (c.training.url = 'data:text/html,<script>alert(1)</script>')],
  ])('refuse %s unless it is https:', async (field, change) => {
    expect(await campaignProblems(change)).toEqual([expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}: .*https:`))]);
  });

  it.each(['javascript:alert(1)', 'data:text/html,x', 'http://www.lgo.org.uk/', 'vbscript:x'])(
    'refuse a [text](%s) link in the wording',
    async (url) => {
      const problems = await campaignProblems((c) => (c.wording.openingClose = [`See [the Code](${url}) now.`]));
      expect(problems).toEqual([
        expect.stringMatching(/^wording\.openingClose\.1: the link \[the Code\]\(.*\) must be https: \(or mailto: for an address\)$/),
      ]);
    },
  );

  it('accept https: and mailto: links in the wording', async () => {
    const problems = await campaignProblems(
      (c) => (c.wording.openingClose = ['See [the Code](https://www.lgo.org.uk/) or [write](mailto:code@lgo.org.uk).']),
    );
    expect(problems).toEqual([]);
  });
});

describe('authorities.csv', () => {
  it('refuses an authority id longer than 64 characters, and accepts one of 64', async () => {
    const long = 'a'.repeat(65);
    expect(await problemsWithRow((row) => (row[0] = long))).toEqual([
      `authorities.csv:2: id: '${'a'.repeat(57)}...' is 65 characters long; an id has at most 64`,
    ]);
    expect(await problemsWithRow((row) => (row[0] = 'a'.repeat(64)))).toEqual([]);
  });

  it.each([
    ['U+202E right-to-left override', '\u202e'],
    ['U+2066 left-to-right isolate', '\u2066'],
    ['U+200F right-to-left mark', '\u200f'],
  ])('refuses a name with a bidirectional control (%s)', async (_, char) => {
    expect(await problemsWithRow((row) => (row[1] = `Liverpool ${char}City Region`))).toEqual([
      expect.stringMatching(
        /^authorities\.csv:2: name: '.*' contains a bidirectional control character \(U\+[0-9A-F]{4}\) that can reorder the text around it$/,
      ),
    ]);
  });

  it.each([
    ['U+200B zero-width space', '\u200b'],
    ['U+00AD soft hyphen', '\u00ad'],
    ['U+2060 word joiner', '\u2060'],
  ])('reports a name with an invisible character (%s)', async (_, char) => {
    expect(await problemsWithRow((row) => (row[5] = `Fair${char}clough`))).toEqual([
      expect.stringMatching(/^authorities\.csv:2: ce_surname: '.*' contains an invisible character \(U\+[0-9A-F]{4}\); remove it$/),
    ]);
  });
});
