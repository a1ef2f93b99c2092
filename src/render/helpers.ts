/**
 * The Handlebars helpers a letter template may use: the whole vocabulary for
 * deciding which sentence applies and how a number is written. Wording stays
 * in the templates; these only compute and compare. Documented for template
 * authors in templates/README.md.
 */
import { per100kHalfUp, percentHalfUp, roundHalfUp } from './format.js';
import { formatCount, numberInWords } from './number-words.js';

type Value = number | null | undefined;

/** Where in the compiled template a helper was called (Handlebars' `options.loc`): line from 1, column from 0. */
export interface TemplateLoc {
  start: { line: number; column: number };
}

/** What Handlebars passes every helper last. */
interface HelperOptions {
  loc?: TemplateLoc;
}

/**
 * A helper given a value it cannot use. Carries where it was called, so the
 * renderer can name the expression and the template line (template-failure.ts);
 * it never leaves the render stage as it is.
 */
export class HelperError extends Error {
  override name = 'HelperError';
  constructor(
    /** What the helper needs, e.g. "needs a number". */
    readonly needs: string,
    readonly helper: string,
    readonly loc: TemplateLoc | undefined,
    /** The value it got: null is a blank figure, undefined a name the view does not have. */
    readonly got: unknown,
    hint = '',
  ) {
    super(`{{${helper}}} ${needs}, got ${String(got)}${hint}`);
  }
}

function whole(name: string, n: Value, options: HelperOptions): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new HelperError('needs a number', name, options.loc, n);
  return n;
}

export const HELPERS = {
  /** {{count 1234}} -> "1,234" */
  count: (n: Value, options: HelperOptions) => formatCount(whole('count', n, options)),
  /** {{inWords 3}} -> "three"; one to ten in words, then digits. */
  inWords: (n: Value, options: HelperOptions) => numberInWords(whole('inWords', n, options)),
  /** {{plural n "decision" "decisions"}}: the first when n is 1. */
  plural: (n: Value, singular: string, plural: string, options: HelperOptions) => (whole('plural', n, options) === 1 ? singular : plural),
  /** {{percent part whole}} -> whole-number percentage, rounded half up; 0 when whole is 0. */
  percent: (part: Value, of: Value, options: HelperOptions) =>
    whole('percent', of, options) === 0 ? 0 : percentHalfUp(whole('percent', part, options), whole('percent', of, options)),
  /** {{per100k part base}} -> per 100,000 of base, one decimal place, rounded half up ("4.6"). */
  per100k: (part: Value, base: Value, options: HelperOptions) => {
    if (typeof base !== 'number' || base <= 0)
      throw new HelperError('needs a base above 0', 'per100k', options.loc, base, '; test the figure with {{#if}} first');
    return per100kHalfUp(whole('per100k', part, options), whole('per100k', base, options));
  },
  /** {{round average 1}} -> a campaign average as written, rounded half up to that many places. */
  round: (n: Value, places: number, options: HelperOptions) => roundHalfUp(whole('round', n, options), places),
  /** Comparisons for {{#if (...)}}: eq, ne, lt, lte, gt, gte, and `and` of two values. */
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: Value, b: Value, options: HelperOptions) => whole('lt', a, options) < whole('lt', b, options),
  lte: (a: Value, b: Value, options: HelperOptions) => whole('lte', a, options) <= whole('lte', b, options),
  gt: (a: Value, b: Value, options: HelperOptions) => whole('gt', a, options) > whole('gt', b, options),
  gte: (a: Value, b: Value, options: HelperOptions) => whole('gte', a, options) >= whole('gte', b, options),
  and: (a: unknown, b: unknown) => Boolean(a) && Boolean(b),
} as const;

export type HelperName = keyof typeof HELPERS;
