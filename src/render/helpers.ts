/**
 * The Handlebars helpers a letter template may use: the whole vocabulary for
 * deciding which sentence applies and how a number is written. Wording stays
 * in the templates; these only compute and compare. Documented for template
 * authors in templates/README.md.
 */
import { per100kHalfUp, percentHalfUp, roundHalfUp } from './format.js';
import { formatCount, numberInWords } from './number-words.js';

type Value = number | null | undefined;

function whole(name: string, n: Value): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`{{${name}}} needs a number, got ${String(n)}`);
  return n;
}

export const HELPERS = {
  /** {{count 1234}} -> "1,234" */
  count: (n: Value) => formatCount(whole('count', n)),
  /** {{inWords 3}} -> "three"; one to ten in words, then digits. */
  inWords: (n: Value) => numberInWords(whole('inWords', n)),
  /** {{plural n "decision" "decisions"}}: the first when n is 1. */
  plural: (n: Value, singular: string, plural: string) => (whole('plural', n) === 1 ? singular : plural),
  /** {{percent part whole}} -> whole-number percentage, rounded half up; 0 when whole is 0. */
  percent: (part: Value, of: Value) => (whole('percent', of) === 0 ? 0 : percentHalfUp(whole('percent', part), whole('percent', of))),
  /** {{per100k part base}} -> per 100,000 of base, one decimal place, rounded half up ("4.6"). */
  per100k: (part: Value, base: Value) => {
    if (typeof base !== 'number' || base <= 0)
      throw new Error(`{{per100k}} needs a base above 0, got ${String(base)}; test the figure with {{#if}} first`);
    return per100kHalfUp(whole('per100k', part), whole('per100k', base));
  },
  /** {{round average 1}} -> a campaign average as written, rounded half up to that many places. */
  round: (n: Value, places: number) => roundHalfUp(whole('round', n), places),
  /** Comparisons for {{#if (...)}}: eq, ne, lt, lte, gt, gte, and `and` of two values. */
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: Value, b: Value) => whole('lt', a) < whole('lt', b),
  lte: (a: Value, b: Value) => whole('lte', a) <= whole('lte', b),
  gt: (a: Value, b: Value) => whole('gt', a) > whole('gt', b),
  gte: (a: Value, b: Value) => whole('gte', a) >= whole('gte', b),
  and: (a: unknown, b: unknown) => Boolean(a) && Boolean(b),
} as const;

export type HelperName = keyof typeof HELPERS;
