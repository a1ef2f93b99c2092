/**
 * Whatever bytes an operator feeds it, the data stage answers with problems
 * or authorities: it never throws, never hangs, and never lists more than a
 * screenful of problems for one file. Random input comes from a seeded
 * generator, so a failure is reproducible from the seed in its message.
 */

import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { prng } from '../scripts/prng.js';
import { type AuthorityRow, authorityColumns, parseAuthoritiesCsv } from '../src/data/authorities-csv.js';
import { MAX_UNREADABLE_RECORDS } from '../src/data/csv-exact-pass.js';
import { parseClean } from '../src/data/csv-fast-pass.js';
import { parseMonitoringOfficersCsv } from '../src/data/monitoring-officers-csv.js';
import { MAX_PROBLEMS_PER_FILE } from '../src/data/problem-log.js';
import { AUTHORITY_ID, AUTHORITY_KINDS, ruleProblems } from '../src/domain/index.js';
import { campaign } from './render/fixtures.js';

/** The bundled 2023-24 campaign's figures and rules. */
const DECLARED = { figures: campaign.figures, rules: campaign.rules, copyRoles: campaign.recipients.copies.map((c) => c.role) };
const AUTHORITY_COLUMNS = authorityColumns(DECLARED);
const HEADER = AUTHORITY_COLUMNS.join(',');

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

const NASTY = ['"', '""', ',', '\n', '\r', '\r\n', '\t', '\u0000', '\u0085', '\u2028', '\ufeff', 'é', '💥', ' ', ':', '-', '0', '9', '@'];

function randomValue(random: Random): string {
  switch (int(random, 6)) {
    case 0:
      return '';
    case 1:
      return String(int(random, 300) - 20);
    case 2:
      return pick(random, ['kent', 'lcrca', 'x@example.org', ...AUTHORITY_KINDS, 'yes', 'no', 'Mayor']);
    case 3:
      return Array.from({ length: int(random, 12) }, () => pick(random, NASTY)).join('');
    default:
      return Array.from({ length: int(random, 20) }, () => String.fromCharCode(32 + int(random, 95))).join('');
  }
}

/** A field written as a careful program would, or as a careless one. */
function randomField(random: Random): string {
  const value = randomValue(random);
  const style = int(random, 4);
  if (style === 0) return `"${value.replace(/"/g, '""')}"`;
  if (style === 1) return `"${value}`;
  return value;
}

function randomCsv(random: Random): Buffer {
  if (random() < 0.05) return Buffer.from(Array.from({ length: int(random, 400) }, () => int(random, 256)));
  const eol = pick(random, ['\n', '\r\n', '\r\n', '\n', '\r']);
  const header = random() < 0.9 ? HEADER : Array.from({ length: int(random, 20) }, () => randomField(random)).join(',');
  const rows = Array.from({ length: int(random, 25) }, () => {
    const width = random() < 0.7 ? AUTHORITY_COLUMNS.length : int(random, 22);
    return Array.from({ length: width }, () => randomField(random)).join(',');
  });
  const text = [header, ...rows].join(eol) + (random() < 0.5 ? eol : '');
  return Buffer.from((random() < 0.2 ? '\ufeff' : '') + text);
}

function physicalLines(bytes: Buffer): number {
  return bytes.toString('latin1').split(/\r\n|\r|\n/).length;
}

/** What any authority the parser accepts must satisfy, however strange the file it came from. */
function expectSound({ authority }: AuthorityRow): void {
  expect(authority.id).toMatch(AUTHORITY_ID);
  expect(AUTHORITY_KINDS).toContain(authority.kind);
  expect(ruleProblems(DECLARED.rules, authority.figures)).toEqual([]);
  for (const text of [authority.name, authority.chiefExecutive.surname, authority.chiefExecutive.email]) {
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  }
}

describe('the CSV readers under random input', () => {
  it('never throw, and always return problems or authorities with lines inside the file', () => {
    const seed = 20240717;
    const random = prng(seed);
    let rows = 0;
    const violations: string[] = [];
    for (let round = 0; round < 300; round++) {
      const bytes = randomCsv(random);
      const lineCount = physicalLines(bytes);
      rows += lineCount;
      const context = `seed ${seed}, round ${round}`;
      const result = parseAuthoritiesCsv(bytes, DECLARED);
      if (result.problems.length + result.authorities.length === 0) violations.push(`${context}: neither problems nor authorities`);
      if (result.problems.length > MAX_PROBLEMS_PER_FILE + 3) violations.push(`${context}: ${result.problems.length} problems listed`);
      for (const p of result.problems) {
        const sound =
          p.file === 'authorities.csv' &&
          // A problem with the file as a whole has no line; any other is on a line of the file.
          (p.line === undefined || (Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount)) &&
          p.field !== '' &&
          p.reason !== '';
        if (!sound) violations.push(`${context}: ${JSON.stringify(p)} (file has ${lineCount} lines)`);
      }
      result.authorities.forEach(expectSound);

      const officers = parseMonitoringOfficersCsv(randomCsv(random), result);
      if (officers.problems.length === 0) violations.push(`${context}: random monitoring-officers.csv accepted`);
    }
    expect(violations).toEqual([]);
    expect(rows).toBeGreaterThan(3000);
  });

  it('reads back every value of valid rows written with random quoting, blank lines, line endings and BOM', () => {
    const random = prng(7);
    for (let round = 0; round < 50; round++) {
      const expected = Array.from({ length: 1 + int(random, 40) }, (_, i) => ({
        line: 0,
        id: `a-${round}-${i}`,
        name: pick(random, ['Kent County Council', 'Bournemouth, Christchurch and Poole Council', 'The "Broads" Authority', "King's Lynn"]),
        investigations: int(random, 150),
      }));
      const eol = pick(random, ['\n', '\r\n']);
      const field = (value: string | number) =>
        /[",]/.test(String(value)) || random() < 0.3 ? `"${String(value).replace(/"/g, '""')}"` : String(value);
      // Blank lines take the slower, exact way of numbering lines; without them the fast one is used.
      const lines = [HEADER];
      for (const a of expected) {
        if (round % 2 === 1 && random() < 0.2) lines.push(pick(random, ['', '  ', ',,,,,,,,,,,,,,,,']));
        a.line = lines.length + 1;
        lines.push(
          [a.id, a.name, 'other', 'Ms', 'Jo', 'Bell', 'jo@example.org', '', '', '', '', 0, a.investigations, 0, 0, 0, 0]
            .map(field)
            .join(','),
        );
      }
      const bytes = Buffer.from((random() < 0.5 ? '\ufeff' : '') + lines.join(eol) + eol.repeat(int(random, 3)));

      const result = parseAuthoritiesCsv(bytes, DECLARED);
      expect(result.problems).toEqual([]);
      expect(
        result.authorities.map(({ line, authority }) => ({
          line,
          id: authority.id,
          name: authority.name,
          investigations: authority.figures.investigations,
        })),
      ).toEqual(expected);
    }
  });
});

describe('the CSV readers under 10 MB of garbage', () => {
  const TEN_MB = 10 * 1024 * 1024;
  // Generous: the point is "seconds, not minutes", on a shared and busy machine.
  const QUICKLY_MS = 15_000;

  it('report random bytes as one encoding problem, quickly', () => {
    const random = prng(1);
    const bytes = Buffer.alloc(TEN_MB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(random, 256);
    const started = performance.now();
    const result = parseAuthoritiesCsv(bytes, DECLARED);
    expect(performance.now() - started).toBeLessThan(QUICKLY_MS);
    expect(result.problems).toEqual([expect.objectContaining({ field: '-', reason: expect.stringContaining('not valid UTF-8') })]);
  }, 60_000);

  it('stop reading rows of the wrong width after a thousand, listing 200 and counting the rest', () => {
    const row = 'garbage,row\n';
    const bytes = Buffer.from(`${HEADER}\n${row.repeat(Math.floor(TEN_MB / row.length))}`);
    const started = performance.now();
    const result = parseAuthoritiesCsv(bytes, DECLARED);
    expect(performance.now() - started).toBeLessThan(QUICKLY_MS);
    expect(result.problems).toHaveLength(MAX_PROBLEMS_PER_FILE + 2);
    expect(result.problems[0]).toMatchObject({ line: 2, field: '-', reason: expect.stringContaining('has 2 fields') });
    expect(result.problems.at(-2)).toMatchObject({
      line: MAX_UNREADABLE_RECORDS + 1,
      reason: expect.stringContaining('stopped reading here'),
    });
    expect(result.problems.at(-1)).toEqual({
      file: 'authorities.csv',
      field: '-',
      reason: `... and ${MAX_UNREADABLE_RECORDS - MAX_PROBLEMS_PER_FILE} more problems in this file`,
    });
    expect(result.authorities).toEqual([]);
  }, 60_000);

  it('list at most 200 problems and count the rest, for rows of the right width with every value bad', () => {
    const row = `${AUTHORITY_COLUMNS.map((_, i) => `x${i}`).join(',')}\n`;
    const bytes = Buffer.from(`${HEADER}\n${row.repeat(Math.floor(TEN_MB / row.length))}`);
    const started = performance.now();
    const result = parseAuthoritiesCsv(bytes, DECLARED);
    expect(performance.now() - started).toBeLessThan(QUICKLY_MS);
    expect(result.problems).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(result.problems.at(-1)?.reason).toMatch(/^\.\.\. and \d+ more problems in this file$/);
  }, 60_000);

  it('answer printable garbage full of quotes and commas under a good header without listing more than 200 problems', () => {
    const random = prng(2);
    const alphabet = 'abc,,,"""\n\n\r 0123456789@.-';
    const chunk = Array.from({ length: 1 << 20 }, () => alphabet[int(random, alphabet.length)]).join('');
    const bytes = Buffer.from(`${HEADER}\n${chunk.repeat(10)}`);
    const started = performance.now();
    const result = parseAuthoritiesCsv(bytes, DECLARED);
    expect(performance.now() - started).toBeLessThan(QUICKLY_MS);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS_PER_FILE + 3);
  }, 60_000);
});

/**
 * The fast pass (PapaParse) may only accept what csv-parse, read strictly,
 * reads the same: on random text made of the characters CSV cares about,
 * every file parseClean accepts gives csv-parse's records exactly.
 */
describe('the fast CSV pass', () => {
  const PIECES = ['a', 'b', ',', '"', '""', ' ', '\t', '\n', '\r\n', '\r', 'é', '\u00a0', '\f', '\v', '\u2028', '\u0000', '\u0085'];
  const strictParse = (text: string): string[][] | 'error' => {
    const trimmed = text.replace(/[\r\n]+$/, '');
    try {
      return parse(Buffer.from(trimmed), {
        skip_records_with_error: true,
        on_skip: () => {
          throw new Error('skipped');
        },
      });
    } catch {
      return 'error';
    }
  };

  it('accepts only files csv-parse reads identically (200,000 random files, seed 11)', () => {
    const random = prng(11);
    let accepted = 0;
    for (let n = 0; n < 200_000; n++) {
      const text = Array.from({ length: 1 + int(random, 14) }, () => pick(random, PIECES)).join('');
      const clean = parseClean(text);
      if (!clean) continue;
      accepted++;
      expect(clean, JSON.stringify(text)).toEqual(strictParse(text));
    }
    // Most random files have something only csv-parse may judge; enough must still take the fast pass.
    expect(accepted).toBeGreaterThan(5_000);
  });
});
