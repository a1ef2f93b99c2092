import { describe, expect, it } from 'vitest';
import { type FigureRule, figureProblems, recipientsOf, ruleProblems } from '../src/domain/index.js';
import { formatLongDate, per100kHalfUp, percentHalfUp, roundHalfUp } from '../src/render/format.js';
import { createLetterRenderer } from '../src/render/letter-renderer.js';
import { formatCount, numberInWords } from '../src/render/number-words.js';
import { compileTemplate } from '../src/render/templates.js';
import { campaign, council } from './render/fixtures.js';

/** One helper call through a real Handlebars template, as a letter template makes it. */
function call(expression: string, view: object = {}): string {
  return compileTemplate(`{{${expression}}}`, 'text')(view);
}

describe('template helpers', () => {
  it.each([
    ['count 1234', '1,234'],
    ['count 0', '0'],
    ['inWords 1', 'one'],
    ['inWords 10', 'ten'],
    ['inWords 11', '11'],
    ['plural 1 "decision" "decisions"', 'decision'],
    ['plural 0 "decision" "decisions"', 'decisions'],
    ['plural 2 "was" "were"', 'were'],
    ['percent 23 29', '79'],
    ['percent 5 8', '63'],
    ['percent 0 0', '0'],
    ['per100k 23 496800', '4.6'],
    ['per100k 15 250000', '6.0'],
    ['round 80.5 0', '81'],
    ['round 1.45 1', '1.5'],
    ['#if (eq "mo" "mo")}}yes{{else}}no{{/if', 'yes'],
    ['#if (ne "mo" "head")}}yes{{else}}no{{/if', 'yes'],
    ['#if (lt 199 200)}}yes{{else}}no{{/if', 'yes'],
    ['#if (lt 200 200)}}yes{{else}}no{{/if', 'no'],
    ['#if (lte 200 200)}}yes{{else}}no{{/if', 'yes'],
    ['#if (gt 3 2)}}yes{{else}}no{{/if', 'yes'],
    ['#if (gte 2 3)}}yes{{else}}no{{/if', 'no'],
    ['#if (and true 0)}}yes{{else}}no{{/if', 'no'],
    ['#if (and true 496800)}}yes{{else}}no{{/if', 'yes'],
  ])('{{%s}} is %s', (expression, expected) => {
    expect(call(expression)).toBe(expected);
  });

  it('refuses a rate per a blank or zero base rather than print a wrong figure', () => {
    expect(() => call('per100k figures.upheld figures.population', { figures: { upheld: 3, population: null } })).toThrow(/base above 0/);
    expect(() => call('per100k 3 0')).toThrow(/base above 0/);
  });

  it('refuses to print an average this kind of authority does not have', () => {
    expect(() => call('round averages.upheldPer100k 1', { averages: { upheldPer100k: null } })).toThrow(/needs a number/);
  });
});

describe('rules between figures', () => {
  const part: FigureRule = { rule: 'part', part: 'upheld', whole: 'investigations' };
  const total: FigureRule = { rule: 'total', total: 'complaints', parts: ['not_for_us', 'assessed_and_closed', 'investigations'] };
  const rateBase: FigureRule = { rule: 'rate-base', figure: 'population' };
  const sumAtMost: FigureRule = { rule: 'sum-at-most', whole: 'complaints', parts: ['assessed_and_closed', 'investigations'] };

  it.each<{ name: string; rule: FigureRule; figures: Record<string, number | null>; problem: [string, string] | null }>([
    { name: 'a part equal to its whole', rule: part, figures: { upheld: 29, investigations: 29 }, problem: null },
    {
      name: 'a part more than its whole',
      rule: part,
      figures: { upheld: 30, investigations: 29 },
      problem: ['upheld', 'upheld (30) is more than investigations (29)'],
    },
    {
      name: 'a total that adds up',
      rule: total,
      figures: { complaints: 165, not_for_us: 62, assessed_and_closed: 74, investigations: 29 },
      problem: null,
    },
    {
      name: 'a total that does not add up',
      rule: total,
      figures: { complaints: 166, not_for_us: 62, assessed_and_closed: 74, investigations: 29 },
      problem: ['complaints', 'complaints (166) is not the sum of not_for_us + assessed_and_closed + investigations (62 + 74 + 29 = 165)'],
    },
    {
      name: 'parts that add up to less than their whole',
      rule: sumAtMost,
      figures: { complaints: 165, assessed_and_closed: 74, investigations: 29 },
      problem: null,
    },
    {
      name: 'parts that add up to their whole',
      rule: sumAtMost,
      figures: { complaints: 103, assessed_and_closed: 74, investigations: 29 },
      problem: null,
    },
    {
      name: 'parts that add up to more than their whole',
      rule: sumAtMost,
      figures: { complaints: 102, assessed_and_closed: 74, investigations: 29 },
      problem: ['complaints', 'assessed_and_closed + investigations (74 + 29 = 103) is more than complaints (102)'],
    },
    { name: 'a rate base above 0', rule: rateBase, figures: { population: 1 }, problem: null },
    { name: 'a blank rate base', rule: rateBase, figures: { population: null }, problem: null },
    {
      name: 'a rate base of 0',
      rule: rateBase,
      figures: { population: 0 },
      problem: ['population', "'0' is not allowed: population is what rates are per"],
    },
    { name: 'a part whose whole is blank (reported on its own)', rule: part, figures: { upheld: 3, investigations: null }, problem: null },
  ])('$name', ({ rule, figures, problem }) => {
    const problems = ruleProblems([rule], figures);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems).toEqual([{ field: problem[0], reason: expect.stringContaining(problem[1]) }]);
  });

  it('reports a declared figure that is missing, fractional, negative, or blank where it may not be', () => {
    const declared = [
      { column: 'a', blank: false },
      { column: 'b', blank: false },
      { column: 'c', blank: false },
      { column: 'd', blank: false },
      { column: 'e', blank: true },
    ];
    expect(figureProblems(declared, [], { b: 2.5, c: -1, d: null, e: null }).map((p) => p.field)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops render from printing an impossible figure', async () => {
    const renderer = await createLetterRenderer(campaign);
    const a = council({ investigations: 3, upheld: 4, satisfactoryRemedies: 0 });
    expect(() => renderer.render(a, recipientsOf(a)[0]!)).toThrow(/upheld: upheld \(4\) is more than investigations \(3\)/);
  });
});

describe('figures', () => {
  it.each([
    [5, 8, 63],
    [1, 8, 13],
    [3, 8, 38],
    [1, 3, 33],
    [2, 3, 67],
    [0, 5, 0],
    [5, 5, 100],
    [1, 200, 1],
    [1, 201, 0],
  ])('%i of %i is %i%', (part, whole, pct) => {
    expect(percentHalfUp(part, whole)).toBe(pct);
  });

  it.each([
    [15, 250_000, '6.0'],
    [1, 80_000, '1.3'],
    [1, 1_000_000, '0.1'],
    [1, 2_000_001, '0.0'],
    [0, 100_000, '0.0'],
    [123, 100_000, '123.0'],
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
