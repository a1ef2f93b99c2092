/**
 * A year's figures as the campaign declares them, and the rules between
 * them. Code knows "a figure" and "a rule", never what one counts: the
 * campaign names them, authorities.csv gives their values, templates print
 * them. `validate` reports a row that breaks a rule; `render` refuses one.
 */

/** The columns of authorities.csv every year has: who the authority is and who reads its letter. */
export const FIXED_COLUMNS = [
  'id',
  'name',
  'kind',
  'ce_title',
  'ce_first_name',
  'ce_surname',
  'ce_email',
  'head_role',
  'head_name',
  'head_email',
] as const;

export const RULE_KINDS = ['part', 'total', 'sum-at-most', 'rate-base'] as const;

export type FigureRule =
  | { rule: 'part'; part: string; whole: string }
  | { rule: 'total'; total: string; parts: string[] }
  | { rule: 'sum-at-most'; whole: string; parts: string[] }
  | { rule: 'rate-base'; figure: string };

/** One authority's figures by name; null where the figure may be blank and is. */
export type Figures = Record<string, number | null>;

export interface RuleProblem {
  /** The figure the problem is reported on (its column). */
  field: string;
  reason: string;
}

/** Every figure a rule names, with the key (path inside the rule) that names it. */
export function figuresOfRule(rule: FigureRule): Array<{ key: Array<string | number>; figure: string }> {
  switch (rule.rule) {
    case 'part':
      return [
        { key: ['part'], figure: rule.part },
        { key: ['whole'], figure: rule.whole },
      ];
    case 'total':
      return [{ key: ['total'], figure: rule.total }, ...rule.parts.map((figure, i) => ({ key: ['parts', i], figure }))];
    case 'sum-at-most':
      return [{ key: ['whole'], figure: rule.whole }, ...rule.parts.map((figure, i) => ({ key: ['parts', i], figure }))];
    case 'rate-base':
      return [{ key: ['figure'], figure: rule.figure }];
  }
}

/**
 * The rules a row breaks, each reported on one figure and naming every figure
 * involved. A rule with a blank (or unreadable) figure in it is not checked:
 * that figure has its own problem, or may be blank.
 */
export function ruleProblems(rules: readonly FigureRule[], figures: Readonly<Figures>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const rule of rules) {
    switch (rule.rule) {
      case 'part': {
        const part = figures[rule.part];
        const whole = figures[rule.whole];
        if (isCount(part) && isCount(whole) && part > whole) {
          problems.push({ field: rule.part, reason: `${rule.part} (${part}) is more than ${rule.whole} (${whole})` });
        }
        break;
      }
      case 'total': {
        const total = figures[rule.total];
        const parts = rule.parts.map((name) => figures[name]);
        if (!isCount(total) || !parts.every(isCount)) break;
        const sum = parts.reduce((a, b) => a + b, 0);
        if (sum !== total) {
          problems.push({
            field: rule.total,
            reason: `${rule.total} (${total}) is not the sum of ${rule.parts.join(' + ')} (${parts.join(' + ')} = ${sum})`,
          });
        }
        break;
      }
      case 'sum-at-most': {
        const whole = figures[rule.whole];
        const parts = rule.parts.map((name) => figures[name]);
        if (!isCount(whole) || !parts.every(isCount)) break;
        const sum = parts.reduce((a, b) => a + b, 0);
        if (sum > whole) {
          problems.push({
            field: rule.whole,
            reason: `${rule.parts.join(' + ')} (${parts.join(' + ')} = ${sum}) is more than ${rule.whole} (${whole})`,
          });
        }
        break;
      }
      case 'rate-base': {
        const base = figures[rule.figure];
        if (base !== null && base !== undefined && !(Number.isSafeInteger(base) && base > 0)) {
          problems.push({
            field: rule.figure,
            reason: `'${base}' is not allowed: ${rule.figure} is what rates are per, so it must be above 0; leave it blank when not known`,
          });
        }
        break;
      }
    }
  }
  return problems;
}

function isCount(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Every problem with an authority's figures as the renderer receives them:
 * a declared figure missing or not a whole number of 0 or more (blank only
 * where declared so), and every broken rule. The data stage checks the same
 * as it reads; this guards whatever reaches the renderer by another road.
 */
export function figureProblems(
  declared: ReadonlyArray<{ column: string; blank: boolean }>,
  rules: readonly FigureRule[],
  figures: Readonly<Figures>,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const { column, blank } of declared) {
    const value = figures[column];
    if (value === null && blank) continue;
    if (!isCount(value))
      problems.push({ field: column, reason: `must be a whole number, 0 or more${blank ? ', or blank' : ''} (got ${value})` });
  }
  return [...problems, ...ruleProblems(rules, figures)];
}
