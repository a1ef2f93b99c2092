import { describe, expect, it } from 'vitest';
import { formatLongDate, per100kHalfUp, percentHalfUp, roundHalfUp } from '../src/render/format.js';
import { formatCount, numberInWords } from '../src/render/number-words.js';
import { computeStatistics, statisticsProblems } from '../src/render/statistics.js';
import { campaign, council } from './render/fixtures.js';

describe('statisticsProblems', () => {
  it('finds nothing wrong with consistent counts', () => {
    expect(statisticsProblems(council())).toEqual([]);
    expect(statisticsProblems(council({ investigations: 0, upheld: 0, satisfactoryRemedies: 0, complianceOutcomes: 0, complianceMet: 0 }))).toEqual([]);
  });

  it.each([
    { name: 'more upheld than investigated', overrides: { investigations: 3, upheld: 4, satisfactoryRemedies: 0 }, field: 'upheld' },
    { name: 'more complied with than due', overrides: { complianceOutcomes: 2, complianceMet: 3 }, field: 'complianceMet' },
    { name: 'more remedies than upheld', overrides: { upheld: 2, satisfactoryRemedies: 3 }, field: 'satisfactoryRemedies' },
    { name: 'a negative count', overrides: { trainingCourses: -1 }, field: 'trainingCourses' },
    { name: 'a fractional count', overrides: { investigations: 2.5 }, field: 'investigations' },
    { name: 'a zero population', overrides: { population: 0 }, field: 'population' },
  ])('reports $name against $field', ({ overrides, field }) => {
    const problems = statisticsProblems(council(overrides));
    expect(problems.map((p) => p.field)).toContain(field);
    expect(problems.every((p) => p.reason.length > 0)).toBe(true);
  });

  it('stops render from printing an impossible figure', () => {
    const a = council({ investigations: 3, upheld: 4 });
    expect(() => computeStatistics(a, campaign.averages[a.kind])).toThrow(/upheld: 4 is more than investigations \(3\)/);
  });
});

describe('figures', () => {
  it.each([
    [5, 8, 63], [1, 8, 13], [3, 8, 38], [1, 3, 33], [2, 3, 67], [0, 5, 0], [5, 5, 100], [1, 200, 1], [1, 201, 0],
  ])('%i of %i is %i%', (part, whole, pct) => {
    expect(percentHalfUp(part, whole)).toBe(pct);
  });

  it.each([
    [15, 250_000, '6.0'], [1, 80_000, '1.3'], [1, 1_000_000, '0.1'], [1, 2_000_001, '0.0'], [0, 100_000, '0.0'], [123, 100_000, '123.0'],
  ])('%i in %i residents is %s per 100,000', (part, whole, text) => {
    expect(per100kHalfUp(part, whole)).toBe(text);
  });

  it('rounds campaign averages half up as written, not as stored in binary', () => {
    expect(roundHalfUp(1.45, 1)).toBe('1.5');
    expect(roundHalfUp(1.05, 1)).toBe('1.1');
    expect(roundHalfUp(99.5, 0)).toBe('100');
    expect(roundHalfUp(2, 1)).toBe('2.0');
  });

  it('writes numbers one to ten in words, then digits', () => {
    expect([1, 2, 3, 9, 10, 11, 1234].map(numberInWords)).toEqual(['one', 'two', 'three', 'nine', 'ten', '11', '1,234']);
    expect(formatCount(1_222_200)).toBe('1,222,200');
  });

  it('writes dates in the letter style', () => {
    expect(formatLongDate('2024-07-17')).toBe('17 July 2024');
    expect(formatLongDate('2023-04-01')).toBe('1 April 2023');
  });
});
