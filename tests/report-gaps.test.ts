/**
 * `report --gaps FILE`: what is still owed after a run, on the real Redis
 * and a real SMTP server.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_COLUMNS, reportCommand } from '../src/cli/commands/report.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { CAMPAIGN, startUiHarness, type UiHarness } from './support/ui-harness.js';

let h: UiHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('report --gaps', () => {
  it('lists every delivery not sent, including recipients the ledger has never seen, and keeps the report as it was', async () => {
    h = await startUiHarness('report-gaps');
    h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    const data = await writeDataSet(join(h.dir, 'data'), [
      { id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org'] },
      { id: 'beta', head: false },
    ]);
    await h.runApproved(data, 2);

    const gapsFile = join(h.dir, 'gaps.csv');
    const rows = await reportCommand({ campaign: CAMPAIGN, format: 'csv', gaps: gapsFile }, h.config, quietPrint);
    expect(rows.map((r) => `${r.authority}/${r.recipient}`)).toEqual(['alpha/ceo', 'alpha/head', 'alpha/mo-1', 'beta/ceo']);
    const text = await readFile(gapsFile, 'utf8');
    expect(text.split('\n')[0]).toBe([...REPORT_COLUMNS, 'job'].join(','));
    const gaps = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(gaps.map((g) => [g.authority, g.recipient, g.status])).toEqual([['alpha', 'mo-1', 'permanent-failure']]);
    expect(gaps[0]!.response).toMatch(/550/);

    // A stored authority that was never fanned out is owed everything.
    const stored = (await h.producer.store.load(CAMPAIGN))!;
    const authorities = [];
    for await (const a of h.producer.store.authorities(CAMPAIGN)) authorities.push(a);
    const gamma = { ...authorities.find((a) => a.id === 'beta')!, id: 'gamma', name: 'Gamma Council' };
    await h.producer.store.save({ campaign: stored.campaign, letter: stored.letter, authorities: [...authorities, gamma] });
    await reportCommand({ campaign: CAMPAIGN, format: 'csv', gaps: gapsFile }, h.config, quietPrint);
    const again = parse(await readFile(gapsFile, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(again.map((g) => `${g.authority}/${g.recipient} ${g.status} job ${g.job}`)).toEqual([
      'alpha/mo-1 permanent-failure job failed',
      'gamma/ceo not-queued job missing',
    ]);
  });
});

describe('report rows and --manifest', () => {
  it("carries each authority's name, and writes a manifest with the approval, counts by status and the report's own sha256", async () => {
    h = await startUiHarness('report-manifest');
    h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    const data = await writeDataSet(join(h.dir, 'data'), [
      { id: 'alpha', name: 'Alpha Borough Council', monitoringOfficers: ['mo1@alpha.example.org'] },
      { id: 'beta', head: false },
    ]);
    await h.runApproved(data, 2);

    const out: string[] = [];
    const manifestFile = join(h.dir, 'manifest.json');
    const gapsFile = join(h.dir, 'gaps.csv');
    await reportCommand({ campaign: CAMPAIGN, format: 'csv', gaps: gapsFile, manifest: manifestFile }, h.config, {
      out: (l) => void out.push(l),
      err: () => {},
    });
    const printed = `${out.join('\n')}\n`;
    const rows = parse(printed, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.authority, r.name, r.recipient])).toEqual([
      ['alpha', 'Alpha Borough Council', 'ceo'],
      ['alpha', 'Alpha Borough Council', 'head'],
      ['alpha', 'Alpha Borough Council', 'mo-1'],
      ['beta', 'BETA Council', 'ceo'],
    ]);

    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      campaign: string;
      approval: unknown;
      counts: unknown;
      report: unknown;
      gaps: unknown;
    };
    expect(manifest.campaign).toBe(CAMPAIGN);
    expect(manifest.approval).toMatchObject({ by: 'ui-test', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(manifest.counts).toEqual({ queued: 0, sending: 0, sent: 3, 'temporary-failure': 0, 'permanent-failure': 1, bounced: 0 });
    expect(manifest.report).toEqual({ format: 'csv', rows: 4, sha256: createHash('sha256').update(printed).digest('hex') });
    expect(manifest.gaps).toEqual({
      file: gapsFile,
      rows: 1,
      sha256: createHash('sha256')
        .update(await readFile(gapsFile))
        .digest('hex'),
    });
  });
});
