/**
 * The data stage's contract with the operator: every problem in a data
 * directory is reported at once, each with its file, line and field, and a
 * reason that quotes the offending value.
 *
 * Each tests/fixtures/bad/<case>/ holds the smallest data directory showing
 * one kind of bad input (no campaign.json unless the case is about it: the
 * bundled 2023-24 one declares the figures); the fixture's name says what is
 * wrong with it.
 */
import { constants } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthoritiesCsv } from '../src/data/authorities-csv.js';
import { loadDataSet, parseCampaignJson } from '../src/data/load-data-set.js';
import { parseMonitoringOfficersCsv } from '../src/data/monitoring-officers-csv.js';
import type { DataProblem } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { campaign } from './render/fixtures.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const A = 'authorities.csv';
const MO = 'monitoring-officers.csv';

/** The bundled 2023-24 campaign's declaration, which the fixtures' headers follow. */
const declared = { figures: campaign.figures, rules: campaign.rules, copyRoles: campaign.recipients.copies.map((c) => c.role) };

/**
 * Problems in a bad fixture, read with the bundled campaign.json unless it has
 * its own, leaving out the files it deliberately does not have.
 */
async function problemsIn(fixture: string): Promise<DataProblem[]> {
  const source = join(FIXTURES, 'bad', fixture);
  const dir = await mkdtemp(join(tmpdir(), 'arm-fixture-'));
  try {
    await cp(source, dir, { recursive: true });
    await copyFile(join(SAMPLE_DATA_DIR, 'campaign.json'), join(dir, 'campaign.json'), constants.COPYFILE_EXCL).catch(() => undefined);
    const { problems } = await loadDataSet(dir);
    return problems.filter((p) => p.reason !== 'file not found');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A problem at `line`, or (undefined) with the file as a whole: then exactly that, with no line at all. */
function problem(file: string, line: number | undefined, field: string, ...mentions: string[]): DataProblem {
  const reason = expect.stringMatching(new RegExp(mentions.map(escapeRegExp).join('.*'))) as string;
  if (line === undefined) return { file, field, reason };
  return expect.objectContaining({ file, line, field, reason }) as DataProblem;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('authorities.csv', () => {
  it('reports a header with a missing column, naming the column', async () => {
    expect(await problemsIn('header-missing-column')).toEqual([problem(A, 1, 'population', "'population'")]);
  });

  it('reports a header with an extra column, naming the column', async () => {
    expect(await problemsIn('header-extra-column')).toEqual([problem(A, 1, 'notes', "'notes'")]);
  });

  it('reports a row with a missing column with its line and field count', async () => {
    expect(await problemsIn('row-missing-column')).toEqual([problem(A, 3, '-', 'has 16 fields', '17')]);
  });

  it('reports a row with an extra column with its line and field count', async () => {
    expect(await problemsIn('row-extra-column')).toEqual([problem(A, 4, '-', 'has 18 fields', '17')]);
  });

  it('reports a duplicate authority id on the second row, pointing at the first', async () => {
    expect(await problemsIn('duplicate-id')).toEqual([problem(A, 4, 'id', "duplicate authority id 'kent'", 'first on line 2')]);
  });

  it('reports an id that could not be part of a job id', async () => {
    expect(await problemsIn('invalid-id')).toEqual([problem(A, 2, 'id', "'Kent:CC'")]);
  });

  it('reports an unknown kind and lists the kinds it could be', async () => {
    expect(await problemsIn('unknown-kind')).toEqual([problem(A, 3, 'kind', "unknown kind 'parish'", 'county-council', 'other')]);
  });

  it('reports each malformed email address in its own field', async () => {
    expect(await problemsIn('malformed-email')).toEqual([
      problem(A, 2, 'ce_email', "'ana.lomax@'"),
      problem(A, 3, 'head_email', "'daniel.whitfield.example.org'"),
      problem(A, 4, 'ce_email', "'owen shaw@exmoor.example.org'"),
    ]);
  });

  it('reports an address past the lengths a relay accepts: a name over 64 characters, a domain label over 63', async () => {
    expect(await problemsIn('email-too-long')).toEqual([
      problem(A, 2, 'ce_email', 'not a valid email address: its local part is 65 characters (at most 64)'),
      problem(A, 3, 'head_email', 'not a valid email address', 'is 64 characters (at most 63 between dots)'),
    ]);
  });

  it("reports a political head with the chief executive's address, whatever its case", async () => {
    expect(await problemsIn('duplicate-email')).toEqual([
      problem(A, 3, 'head_email', "duplicate email 'Katherine.Fairclough@lcrca.example.org'", 'ce_email'),
    ]);
  });

  it('reports counts that are not whole numbers', async () => {
    expect(await problemsIn('non-numeric-count')).toEqual([
      problem(A, 2, 'investigations', "'fifty-seven' is not a whole number"),
      problem(A, 3, 'training_courses', "'2.5' is not a whole number"),
      problem(A, 4, 'population', "'1,000' is not a whole number"),
    ]);
  });

  it('reports a negative count', async () => {
    expect(await problemsIn('negative-count')).toEqual([problem(A, 3, 'training_courses', "'-3' is negative")]);
  });

  it('reports a row whose upheld exceeds investigations with its line and field', async () => {
    expect(await problemsIn('upheld-exceeds-investigations')).toEqual([
      problem(A, 2, 'upheld', 'upheld (58) is more than investigations (57)'),
    ]);
  });

  it('reports a row whose compliance_met exceeds compliance_outcomes', async () => {
    expect(await problemsIn('compliance-met-exceeds-outcomes')).toEqual([
      problem(A, 2, 'compliance_met', 'compliance_met (39) is more than compliance_outcomes (38)'),
    ]);
  });

  it('reports a row whose satisfactory_remedies exceeds upheld', async () => {
    expect(await problemsIn('remedies-exceed-upheld')).toEqual([
      problem(A, 3, 'satisfactory_remedies', 'satisfactory_remedies (2) is more than upheld (1)'),
    ]);
  });

  it('reports every empty required value', async () => {
    expect(await problemsIn('missing-required')).toEqual([
      problem(A, 2, 'name', 'is empty'),
      problem(A, 3, 'ce_email', 'is empty'),
      problem(A, 4, 'ce_surname', 'is empty'),
      problem(A, 4, 'training_courses', 'is empty'),
    ]);
  });

  it('reports a political head given only in part, on each empty head_ field', async () => {
    expect(await problemsIn('head-partly-filled')).toEqual([
      problem(A, 2, 'head_name', 'head_role is filled'),
      problem(A, 2, 'head_email', 'head_role is filled'),
    ]);
  });

  it('reports a population of 0, which would divide by zero', async () => {
    expect(await problemsIn('zero-population')).toEqual([problem(A, 2, 'population', "'0'")]);
  });

  it('reports a line break smuggled into a quoted value, and keeps counting physical lines after it', async () => {
    expect(await problemsIn('line-break-in-field')).toEqual([
      problem(A, 3, 'name', "'Liverpool City Region\\nCombined Authority'", 'line break'),
      problem(A, 5, 'kind', "unknown kind 'park'"),
    ]);
  });

  it('reports control characters, shown escaped', async () => {
    expect(await problemsIn('control-character')).toEqual([
      problem(A, 2, 'ce_surname', "'Lo\\u0007max'", 'control character'),
      problem(A, 3, 'name', "'Liverpool\\tCity Region Combined Authority'", 'control character'),
    ]);
  });

  it('reports a stray quote in an unquoted value, and reads the rows after it on their own lines', async () => {
    expect(await problemsIn('stray-quote')).toEqual([
      problem(A, 3, 'head_name', 'quote', "'Daniel '"),
      problem(A, 4, 'kind', "unknown kind 'park'"),
    ]);
  });

  it('reports a quote never closed at the line where it opens', async () => {
    expect(await problemsIn('unclosed-quote')).toEqual([problem(A, 3, 'name', 'never closed')]);
  });

  it('reports a file that is not UTF-8 at the line of its first bad byte', async () => {
    expect(await problemsIn('not-utf8')).toEqual([problem(A, 3, '-', 'not valid UTF-8')]);
  });

  it('reports an empty file and says what its first line should be', async () => {
    expect(await problemsIn('empty-file')).toEqual([problem(A, undefined, '-', 'is empty', 'id,name,kind')]);
  });

  it('reports a file with a header and no authorities', async () => {
    expect(await problemsIn('header-only')).toEqual([problem(A, undefined, '-', 'no authorities')]);
  });

  it('tags each row problem with its authority, for the preview', async () => {
    const [upheld] = await problemsIn('upheld-exceeds-investigations');
    expect(upheld?.authorityId).toBe('kent');
  });

  it('accepts a byte-order mark, CRLF line endings, quoted commas, padded values and blank rows', async () => {
    const bytes = await readFile(join(FIXTURES, 'good', 'bom-crlf', A));
    const result = parseAuthoritiesCsv(bytes, declared);
    expect(result.problems).toEqual([]);
    expect(result.authorities.map((row) => [row.line, row.authority.id])).toEqual([
      [2, 'kent'],
      [3, 'lcrca'],
      [5, 'exmoor'],
    ]);
    const exmoor = result.authorities[2]?.authority;
    expect(exmoor?.name).toBe('Exmoor, National Park Authority');
    expect(exmoor?.chiefExecutive.title).toBe('Dr');
    expect(exmoor?.head).toBeNull();
    expect(exmoor?.figures.population).toBeNull();
    expect(result.authorities[0]?.authority.figures.population).toBe(1578500);
  });
});

describe('monitoring-officers.csv', () => {
  it('reports an officer of an authority that is not in authorities.csv', async () => {
    expect(await problemsIn('officer-unknown-authority')).toEqual([problem(MO, 3, 'authority_id', "unknown authority id 'kentt'")]);
  });

  it('reports a registered value that is neither yes nor no', async () => {
    expect(await problemsIn('officer-registered-not-yes-no')).toEqual([problem(MO, 2, 'registered', "'maybe'")]);
  });

  it('reports a malformed email address, registered or not', async () => {
    expect(await problemsIn('officer-malformed-email')).toEqual([problem(MO, 2, 'email', "'jo.bell@kent'")]);
  });

  it('reports a registered officer sharing an address with another recipient of the same letter', async () => {
    expect(await problemsIn('officer-duplicate-email')).toEqual([
      problem(MO, 3, 'email', "duplicate email 'KATHERINE.FAIRCLOUGH@lcrca.example.org'", 'chief executive', 'line 3'),
      problem(MO, 4, 'email', "duplicate email 'jo.bell@lcrca.example.org'", "'Jo Bell' on line 2"),
    ]);
  });

  it('reports a row with a missing column', async () => {
    expect(await problemsIn('officer-missing-column')).toEqual([problem(MO, 2, '-', 'has 3 fields', '4')]);
  });

  it('reports a wrong header and reads none of its rows', async () => {
    expect(await problemsIn('officer-header-wrong')).toEqual([
      problem(MO, 1, 'authority_id', "missing column 'authority_id'"),
      problem(MO, 1, 'authority', "unexpected column 'authority'"),
    ]);
  });

  it('gives each authority its registered officers only, in file order, with registered in any case', async () => {
    const dir = join(FIXTURES, 'good', 'bom-crlf');
    const authorities = parseAuthoritiesCsv(await readFile(join(dir, A)), declared);
    const result = parseMonitoringOfficersCsv(await readFile(join(dir, MO)), authorities);
    expect(result.problems).toEqual([]);
    expect(result.officersOf('kent')).toEqual([
      { name: 'Jo Bell', email: 'jo.bell@kent.example.org' },
      { name: 'Amy Wren', email: 'amy.wren@kent.example.org' },
    ]);
    expect(result.officersOf('lcrca')).toEqual([{ name: 'Lee Park', email: 'lee.park@lcrca.example.org' }]);
    expect(result.officersOf('exmoor')).toEqual([]);
    // Joined onto the authority as they are read.
    expect(authorities.authorities.find((row) => row.authority.id === 'kent')?.authority.copies.map((c) => c.key)).toEqual([
      'head',
      'mo-1',
      'mo-2',
    ]);
  });
});

describe('campaign.json', () => {
  const sample = () => readFile(join(SAMPLE_DATA_DIR, 'campaign.json'), 'utf8');

  it('reports a file that is not JSON as one problem naming the parse error and its line', async () => {
    const text = (await sample()).replace('"reportingYear"', '"reportingYear",');
    const line = text.split('\n').findIndex((l) => l.includes('"reportingYear"')) + 1;
    const { campaign, problems } = parseCampaignJson(Buffer.from(text));
    expect(campaign).toBeNull();
    expect(problems).toEqual([problem('campaign.json', line, '-', 'is not valid JSON', "','")]);
  });

  it('reports each schema issue with its path as the field and the line of its key', async () => {
    const text = await sample();
    const broken = text.replace('"letterDate": "2024-07-17"', '"letterDate": "17 July 2024"');
    const line = text.split('\n').findIndex((l) => l.includes('"letterDate"')) + 1;
    const { campaign, problems } = parseCampaignJson(Buffer.from(broken));
    expect(campaign).toBeNull();
    expect(problems).toEqual([expect.objectContaining({ file: 'campaign.json', line, field: 'letterDate' })]);
  });

  it('accepts the bundled campaign', async () => {
    expect(parseCampaignJson(Buffer.from(await sample())).problems).toEqual([]);
  });
});

describe('loadDataSet', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arm-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the bundled sample with no problems, lcrca as the reference letter needs it', async () => {
    const result = await loadDataSet(SAMPLE_DATA_DIR);
    expect(result.problems).toEqual([]);
    expect(result.dataSet?.authorities.length).toBeGreaterThanOrEqual(390);
    const lcrca = result.dataSet?.authorities.find((a) => a.id === 'lcrca');
    expect(lcrca).toMatchObject({
      name: 'Liverpool City Region Combined Authority',
      kind: 'combined-authority',
      chiefExecutive: { title: 'Ms', surname: 'Fairclough' },
      head: { role: 'Mayor' },
      figures: {
        population: null,
        training_courses: 3,
        investigations: 0,
        upheld: 0,
        compliance_outcomes: 0,
        compliance_met: 0,
        satisfactory_remedies: 0,
      },
    });
  });

  it('reports each missing file as a problem with the file as a whole', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const result = await loadDataSet(empty);
    expect(result.problems).toEqual([
      { file: 'campaign.json', field: '-', reason: 'file not found' },
      { file: A, field: '-', reason: 'file not found' },
      { file: MO, field: '-', reason: 'file not found' },
    ]);
    expect(result).toMatchObject({ dataSet: null, campaign: null, validAuthorities: [] });
  });

  it('still gives the valid authorities when others are not, leaving out those with a bad officer row', async () => {
    const mixed = join(dir, 'mixed');
    await mkdir(mixed);
    const good = join(FIXTURES, 'good', 'bom-crlf');
    await copyFile(join(SAMPLE_DATA_DIR, 'campaign.json'), join(mixed, 'campaign.json'));
    const rows = (await readFile(join(good, A), 'utf8')).replace(
      'kent,Kent County Council,county-council',
      'kent,Kent County Council,parish',
    );
    await writeFile(join(mixed, A), rows);
    await writeFile(
      join(mixed, MO),
      'authority_id,name,email,registered\nlcrca,Lee Park,lee.park@lcrca,yes\nexmoor,Amy Wren,amy.wren@exmoor.example.org,yes\n',
    );

    const result = await loadDataSet(mixed);
    expect(result.problems.map((p) => [p.file, p.line, p.field, p.authorityId])).toEqual([
      [A, 2, 'kind', 'kent'],
      [MO, 2, 'email', 'lcrca'],
    ]);
    expect(result.dataSet).toBeNull();
    expect(result.campaign?.id).toBe('2023-24');
    expect(result.validAuthorities.map((a) => [a.id, a.copies.filter((c) => c.role === 'mo').map((m) => m.name)])).toEqual([
      ['exmoor', ['Amy Wren']],
    ]);
  });

  it('gives the whole data set, officers joined, when there is no problem', async () => {
    const clean = join(dir, 'clean');
    await mkdir(clean);
    const good = join(FIXTURES, 'good', 'bom-crlf');
    await copyFile(join(SAMPLE_DATA_DIR, 'campaign.json'), join(clean, 'campaign.json'));
    await copyFile(join(good, A), join(clean, A));
    await copyFile(join(good, MO), join(clean, MO));

    const result = await loadDataSet(clean);
    expect(result.problems).toEqual([]);
    expect(result.dataSet?.authorities.map((a) => [a.id, a.copies.filter((c) => c.role === 'mo').length])).toEqual([
      ['kent', 2],
      ['lcrca', 1],
      ['exmoor', 0],
    ]);
    expect(result.validAuthorities).toEqual(result.dataSet?.authorities);
  });
});
