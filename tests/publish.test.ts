/**
 * `publish --data DIR --out DIR`: the publication set for the website, made
 * from the campaign folder's own templates (here 2024-25's), refused until
 * the campaign is approved. PDFs by Debian's chromium, read back with
 * poppler's pdftotext.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCommand } from '../src/cli/commands/publish.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { approve } from './support/approve.js';
import { quietPrint } from './support/harness.js';
import { cleanPrefix, testConfig, uniquePrefix } from './support/redis.js';

const KEEP = ['liverpool-city-council', 'barnsley-metropolitan-borough-council'];
const prefix = uniquePrefix('publish');
const config = testConfig(prefix);
let dir = '';
let data = '';

/** Keeps the header and the rows of the KEEP authorities of one CSV file of the campaign folder. */
async function keepRows(file: string): Promise<void> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  await writeFile(file, `${[lines[0], ...lines.slice(1).filter((l) => KEEP.includes(l.split(',')[0]!))].join('\n')}\n`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-publish-'));
  data = join(dir, '2024-25');
  await cp(join(PACKAGE_ROOT, 'data', 'sample-2024-25'), data, { recursive: true });
  await keepRows(join(data, 'authorities.csv'));
  await keepRows(join(data, 'monitoring-officers.csv'));
});
afterAll(async () => {
  await cleanPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('publish', () => {
  it('refuses a campaign that has not been approved, and writes nothing', async () => {
    const out = join(dir, 'refused');
    await expect(publishCommand({ data, out }, config, quietPrint)).rejects.toThrow(/not been approved.*nothing was published/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it("writes each authority's letter as <id>.pdf from the campaign's own templates, and index.csv with each file's sha256", async () => {
    await approve(config, data);
    const out = join(dir, 'site');
    const result = await publishCommand({ data, out }, config, quietPrint);
    expect(result.files).toBe(KEEP.length);
    expect((await readdir(out)).sort()).toEqual([...KEEP.map((id) => `${id}.pdf`), 'index.csv'].sort());

    const index = parse(await readFile(join(out, 'index.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(index.map((r) => r.authority_id).sort()).toEqual([...KEEP].sort());
    for (const row of index) {
      const bytes = await readFile(join(out, row.file!));
      expect(row.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const liverpool = index.find((r) => r.authority_id === 'liverpool-city-council')!;
    expect(liverpool).toMatchObject({ name: 'Liverpool City Council', kind: 'metropolitan-borough', file: 'liverpool-city-council.pdf' });

    // 2024-25's wording and figures, which the 2023-24 templates do not have.
    const text = execFileSync('pdftotext', ['-layout', join(out, liverpool.file!), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Annual Review letter 2024-25');
    expect(text).toContain('we dealt with 165 complaints');
    expect(text).toContain('4.6 upheld decisions per 100,000 residents');
  }, 120_000);
});
