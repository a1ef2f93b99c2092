/**
 * Bad input never reaches anyone: `run` refuses every data set in the
 * bad-input corpus (tests/fixtures/bad/, one case per folder) and 10 MB of
 * garbage, printing file:line: field: reason, and nothing is stored, enqueued
 * or sent. Only `--skip-invalid` sends the valid rest, and it names what it skipped.
 */
import { readdirSync } from 'node:fs';
import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { validateCommand } from '../src/cli/commands/validate.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { approve } from './support/approve.js';
import { AUTHORITIES_HEADER, authorityRow, writeDataSet } from './support/data-set.js';
import { type Harness, startHarness } from './support/harness.js';
import { letterJobCount } from './support/safety.js';

const BAD = join(import.meta.dirname, 'fixtures', 'bad');
const CASES = readdirSync(BAD).sort();
/** `file:line: field: reason`, or `file: reason` for the file as a whole. */
const PROBLEM_LINE = /^(campaign\.json|authorities\.csv|monitoring-officers\.csv)(:\d+: \S.*: .+|: [^:\d].+)/;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness('bad-input');
  await harness.startWorker();
});

afterAll(async () => {
  await harness.close();
});

/** A complete campaign folder from a corpus case: the sample campaign.json and templates, and an empty officers file if the case has none. */
async function dataDirFor(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(harness.dir, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(SAMPLE_DATA_DIR, 'campaign.json'), join(dir, 'campaign.json'));
  await cp(join(SAMPLE_DATA_DIR, 'templates'), join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'monitoring-officers.csv'), 'authority_id,name,email,registered\n');
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

async function corpusCase(name: string): Promise<string> {
  const dir = await dataDirFor(name, {});
  for (const file of readdirSync(join(BAD, name))) await copyFile(join(BAD, name, file), join(dir, file));
  return dir;
}

async function expectRefused(data: string): Promise<string[]> {
  const err: string[] = [];
  await expect(runCommand({ data, wait: false }, harness.config, { out: () => {}, err: (l) => err.push(l) })).rejects.toThrow(
    /problem\(s\) in .*; nothing was enqueued/,
  );
  expect(err.length).toBeGreaterThan(0);
  for (const line of err) expect(line).toMatch(PROBLEM_LINE);
  return err;
}

/** 10 MB that is not UTF-8, and 10 MB that is but is no CSV (quotes, commas, line ends at random). */
function garbage(kind: 'binary' | 'text'): Buffer {
  const size = 10 * 1024 * 1024;
  const bytes = Buffer.alloc(size);
  let state = kind === 'binary' ? 7 : 11;
  const text = Buffer.from('abc,"\n\r 01;\'x\t@.-');
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = kind === 'binary' ? state >>> 24 : text[(state >>> 16) % text.length]!;
  }
  return bytes;
}

describe('run refuses bad input and sends nothing', () => {
  it.each(CASES)('refuses the corpus case %s, printing each problem as file:line: field: reason', async (name) => {
    await expectRefused(await corpusCase(name));
  });

  it('refuses 10 MB of bytes that are not UTF-8', async () => {
    const err = await expectRefused(await dataDirFor('garbage-binary', { 'authorities.csv': garbage('binary') }));
    expect(err).toEqual(['authorities.csv:1: -: is not valid UTF-8; save the file as UTF-8 (in Excel: "CSV UTF-8")']);
  });

  it('refuses 10 MB of text that is not CSV, listing a bounded number of problems', async () => {
    const err = await expectRefused(
      await dataDirFor('garbage-text', { 'authorities.csv': Buffer.concat([Buffer.from(`${AUTHORITIES_HEADER}\n`), garbage('text')]) }),
    );
    expect(err.length).toBeLessThan(500);
  }, 60_000);

  it('has stored, enqueued and sent nothing for any of them', async () => {
    expect(await harness.producer.store.load('2023-24')).toBeNull();
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });
});

describe('byte-order marks and Windows line endings', () => {
  it('are accepted by validate and by run', async () => {
    const rows = [AUTHORITIES_HEADER, authorityRow({ id: 'alpha' }), authorityRow({ id: 'beta', head: false })];
    const data = await dataDirFor('bom-crlf', {
      'authorities.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${rows.join('\r\n')}\r\n`)]),
      'monitoring-officers.csv': Buffer.from('\ufeffauthority_id,name,email,registered\r\nalpha,Officer,mo@alpha.example.org,yes\r\n'),
    });
    const out: string[] = [];
    await validateCommand({ data }, { out: (l) => out.push(l), err: () => {} });
    expect(out).toEqual(['ok: campaign 2023-24, 2 authorities, 4 deliveries']);
  });
});

describe('--skip-invalid', () => {
  it('sends only the valid authorities and lists those it skipped', async () => {
    const h = await startHarness('skip-invalid');
    try {
      const data = await writeDataSet(join(h.dir, 'data'), [
        { id: 'alpha' },
        { id: 'beta', stats: [3, 5, 0, 0, 0] },
        { id: 'gamma', kind: 'parish' },
      ]);
      await h.startWorker();
      const err: string[] = [];
      const print = { out: () => {}, err: (l: string) => err.push(l) };
      await expect(runCommand({ data, wait: false }, h.config, print)).rejects.toThrow(
        /nothing was enqueued \(fix them, or pass --skip-invalid/,
      );
      expect(await letterJobCount(h)).toBe(0);

      await approve(h.config, data, { skipInvalid: true });
      err.length = 0;
      const run = await runCommand({ data, wait: false, skipInvalid: true }, h.config, print);
      expect(run).toMatchObject({ added: 1 });
      expect(err).toContain('--skip-invalid: skipping 2 authorities with problems: beta, gamma');
      expect(err).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^authorities\.csv:3: upheld: /),
          expect.stringMatching(/^authorities\.csv:4: kind: unknown kind 'parish'/),
        ]),
      );
      await h.waitIdle(1, '2023-24');
      expect(h.sink.received.map((m) => m.letter).sort()).toEqual(['2023-24/alpha/ceo', '2023-24/alpha/head']);
    } finally {
      await h.close();
    }
  });
});
