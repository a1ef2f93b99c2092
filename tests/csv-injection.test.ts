/**
 * Every CSV we write escapes a cell a spreadsheet would run as a formula
 * (one starting with = + - @, a tab or a carriage return), through one
 * function: the report and its gaps (a bounce's diagnostic is a stranger's
 * text), `registrations list` and the export to monitoring-officers.csv (a
 * registration's name), `run --dry-run`, and publish's index.csv (held to
 * the same function by the source check below). Real Redis, a real SMTP
 * server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { printDryRun } from '../src/cli/commands/dry-run.js';
import { exportRegistrationsCommand, listRegistrationsCommand } from '../src/cli/commands/registrations.js';
import { reportCommand } from '../src/cli/commands/report.js';
import { loadValidData } from '../src/cli/load-valid-data.js';
import { csvCell, toCsv } from '../src/csv-file.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { RegistrationStore } from '../src/storage/registration-store.js';
import { AUTHORITIES_HEADER, authorityRow, writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { CAMPAIGN, startUiHarness, type UiHarness } from './support/ui-harness.js';

const FORMULA = '=HYPERLINK("https://evil.example","x")';

let h: UiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a cell a spreadsheet would run', () => {
  it('gets a leading apostrophe when it starts with = + - @, a tab or a carriage return, and nothing else changes', () => {
    expect(['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx"]);
    expect(['Barnsley', 'a=b', '', ' =1', 'mo@x.example'].map(csvCell)).toEqual(['Barnsley', 'a=b', '', ' =1', 'mo@x.example']);
    // Numbers stay numbers: a count is never a formula.
    expect(toCsv([{ a: FORMULA, n: -3 }], ['a', 'n'])).toBe(`a,n\n"'=HYPERLINK(""https://evil.example"",""x"")",-3\n`);
  });

  it('every file that writes CSV writes it through toCsv (src/csv-file.ts), the only importer of csv-stringify', () => {
    const sources = readdirSync(join(PACKAGE_ROOT, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(PACKAGE_ROOT, join(e.parentPath, e.name)));
    const importers = sources.filter((file) => /from 'csv-stringify/.test(readFileSync(join(PACKAGE_ROOT, file), 'utf8')));
    expect(importers).toEqual(['src/csv-file.ts']);
    const writers = sources.filter((file) => /\btoCsv\(/.test(readFileSync(join(PACKAGE_ROOT, file), 'utf8'))).sort();
    expect(writers).toEqual([
      'src/cli/commands/dry-run.ts',
      'src/cli/commands/publish.ts',
      'src/cli/commands/registrations.ts',
      'src/cli/commands/report.ts',
      'src/operations/evidence.ts',
      'src/operations/export-registrations.ts',
    ]);
  });
});

describe('the files operators open in a spreadsheet', () => {
  it('report and its gaps escape a bounce diagnostic and an authority name that start with =', async () => {
    h = await startUiHarness('csv-report');
    // authorities.csv as written here has no quoting: a formula without commas or quotes.
    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha', name: "=cmd|' /C calc'!A0" }, { id: 'beta' }]);
    await h.runApproved(data, 2);
    expect((await h.producer.ledger(CAMPAIGN).bounce('beta', 'ceo', { diagnostic: '@SUM(1+1)*cmd|" /C calc"!A0' })).bounced).toBe(true);

    const out: string[] = [];
    const gapsFile = join(h.dir, 'gaps.csv');
    await reportCommand({ campaign: CAMPAIGN, format: 'csv', gaps: gapsFile }, h.config, { out: (l) => void out.push(l), err: () => {} });
    const rows = parse(out.join('\n'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.find((r) => r.authority === 'alpha')!.name).toBe("'=cmd|' /C calc'!A0");
    expect(rows.find((r) => r.authority === 'beta' && r.recipient === 'ceo')!.diagnostic).toBe(`'@SUM(1+1)*cmd|" /C calc"!A0`);
    const gaps = parse(await readFile(gapsFile, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(gaps.map((g) => [g.authority, g.recipient, g.diagnostic])).toEqual([['beta', 'ceo', `'@SUM(1+1)*cmd|" /C calc"!A0`]]);
    // JSON is data, not a spreadsheet: it carries the text as it is.
    const json: string[] = [];
    await reportCommand({ campaign: CAMPAIGN, format: 'json' }, h.config, { out: (l) => void json.push(l), err: () => {} });
    expect((JSON.parse(json.join('\n')) as Array<{ name: string }>)[0]!.name).toBe("=cmd|' /C calc'!A0");
  });

  it('registrations list and the export to monitoring-officers.csv escape a name that starts with = or -', async () => {
    h = await startUiHarness('csv-registrations');
    const store = new RegistrationStore(h.producer.redis, h.prefix);
    const confirmed = await store.confirm({
      authorityId: 'alpha',
      authorityName: 'ALPHA Council',
      name: FORMULA,
      email: 'mo@alpha.example.org',
      ceDomain: 'alpha.example.org',
      confirmedFrom: '203.0.113.9',
    });
    const second = await store.confirm({
      authorityId: 'alpha',
      authorityName: 'ALPHA Council',
      name: '-2+3',
      email: 'mo2@alpha.example.org',
      ceDomain: 'alpha.example.org',
      confirmedFrom: '203.0.113.9',
    });
    for (const r of [confirmed, second]) await store.decide(r.id, 'approved', 'Olivia');
    const out: string[] = [];
    await listRegistrationsCommand({ format: 'csv' }, h.config, { out: (l) => void out.push(l), err: () => {} });
    const listed = parse(out.join('\n'), { columns: true }) as Array<Record<string, string>>;
    expect(listed.map((r) => r.name)).toEqual([`'${FORMULA}`, "'-2+3"]);

    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha' }]);
    await exportRegistrationsCommand({ data }, h.config, quietPrint);
    const officers = parse(await readFile(join(data, 'monitoring-officers.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(officers.map((o) => o.name)).toEqual([`'${FORMULA}`, "'-2+3"]);
  });

  it('run --dry-run escapes an address that starts with + or -', async () => {
    h = await startUiHarness('csv-dry-run');
    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha' }]);
    const row = authorityRow({ id: 'alpha' }).replace('ceo@alpha.example.org', '+ceo@alpha.example.org');
    await writeFile(join(data, 'authorities.csv'), `${AUTHORITIES_HEADER}\n${row}\n`);
    const valid = await loadValidData(data, { print: () => {} });
    const out: string[] = [];
    printDryRun(valid, undefined, { out: (l) => void out.push(l), err: () => {} });
    const rows = parse(out.join('\n'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.find((r) => r.recipient === 'ceo')!.address).toBe("'+ceo@alpha.example.org");
  });
});
