/**
 * `run --test-to ADDRESS --sample N`: a test run on a few authorities that
 * between them show every kind and every case the campaign's declaration can
 * make a template choose between (each figure none, some or blank; each part
 * below or equal to its whole; each copy role). The choice is
 * checked on the bundled sample; the run on the real Redis, a real worker
 * and a real SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { letterCases, pickTestSample } from '../src/safety/test-sample.js';
import { type Harness, startHarness } from './support/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('a test run on a sample', () => {
  it('picks authorities that between them show every kind and every statistics case of the data', async () => {
    const sample = await loadDataSet(SAMPLE_DATA_DIR);
    const all = sample.validAuthorities;
    const picked = pickTestSample(all, sample.campaign!, 15);
    const shown = new Set(picked.authorities.flatMap((a) => letterCases(a, sample.campaign!)));
    const inData = new Set(all.flatMap((a) => letterCases(a, sample.campaign!)));
    expect([...inData].filter((c) => !shown.has(c))).toEqual([]);
    expect(picked.uncovered).toEqual([]);
    expect(new Set(picked.authorities.map((a) => a.kind))).toEqual(new Set(all.map((a) => a.kind)));
    // 2023-24's cases, named from its declaration: a compliance rate below 100%, a council without a population.
    expect(picked.cases).toContain('compliance_met of compliance_outcomes:below');
    expect(picked.cases).toContain('population:blank');
    expect(picked.cases).toContain('investigations:none');
    expect(picked.cases).toContain('copy:mo');
    // Too few to show everything: it says what is missing.
    const two = pickTestSample(all, sample.campaign!, 2);
    expect(two.authorities).toHaveLength(2);
    expect(two.uncovered.length).toBeGreaterThan(0);
  });

  it('sends only the sampled authorities, all to the test inbox, and says which and why', async () => {
    harness = await startHarness('test-sample');
    await harness.startWorker();
    const err: string[] = [];
    const result = await runCommand({ data: SAMPLE_DATA_DIR, testTo: 'proof@ombudsman.example.org', sample: 15 }, harness.config, {
      out: () => {},
      err: (l) => void err.push(l),
    });
    expect(result.campaign).toBe('2023-24~test');
    expect(result.added).toBe(15);
    expect(err.find((l) => l.startsWith('test sample: '))).toMatch(
      /^test sample: 15 of 400 authorities, showing (\d+) of the \1 cases in the data:$/,
    );
    const chosen = err.filter((l) => /^ {2}[a-z0-9-]+ \(/.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(chosen).toHaveLength(15);
    const letters = harness.sink.received.map((m) => m.letter.split('/')[1]);
    expect(new Set(letters)).toEqual(new Set(chosen));
    expect(harness.sink.received.every((m) => m.envelopeTo.join() === 'proof@ombudsman.example.org')).toBe(true);
  }, 120_000);

  it('refuses --sample on a real run', async () => {
    harness = await startHarness('test-sample-real');
    await expect(runCommand({ data: SAMPLE_DATA_DIR, sample: 5 }, harness.config, { out: () => {}, err: () => {} })).rejects.toThrow(
      '--sample is for test runs only',
    );
  });
});
