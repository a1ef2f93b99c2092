/**
 * The statistics page: figures computed from one authority's counts, and the
 * choice of which sentences apply. Wording stays in the templates.
 */
import { type Authority, COUNT_PARTS, isCouncil, type KindAverages, RenderError } from '../domain/index.js';
import { per100kHalfUp, percentHalfUp, roundHalfUp } from './format.js';

export interface UpheldStatistics {
  /** No investigations: the block says so and nothing else. */
  none: boolean;
  investigations: number;
  upheld: number;
  pct: number;
  averagePct: string;
  /** Councils with a known population only. */
  perCapita: { value: string; average: string } | null;
}

export interface ComplianceStatistics {
  /** No compliance outcomes were due. */
  none: boolean;
  outcomes: number;
  pct: number;
  averagePct: string;
  /** Any recommendation not complied with, i.e. a true rate below 100%. */
  belowFull: boolean;
}

export interface RemedyStatistics {
  /** Nothing upheld, so no remedies to judge. */
  none: boolean;
  upheld: number;
  remedies: number;
  pct: number;
  averagePct: string;
}

export interface LetterStatistics {
  upheld: UpheldStatistics;
  compliance: ComplianceStatistics;
  remedy: RemedyStatistics;
}

export interface StatisticsProblem {
  field: string;
  reason: string;
}

const COUNT_FIELDS = [
  'trainingCourses',
  'investigations',
  'upheld',
  'complianceOutcomes',
  'complianceMet',
  'satisfactoryRemedies',
] as const;

/**
 * Counts that cannot all be true at once, or that would make a percentage
 * impossible (over 100%, or a division by a non-positive population).
 * `validate` reports these; `render` refuses to print such a letter.
 */
export function statisticsProblems(a: Authority): StatisticsProblem[] {
  const problems: StatisticsProblem[] = [];
  for (const field of COUNT_FIELDS) {
    if (!Number.isSafeInteger(a[field]) || a[field] < 0) {
      problems.push({ field, reason: `must be a whole number, 0 or more (got ${a[field]})` });
    }
  }
  const exceeds = (field: string, value: number, limitName: string, limit: number) => {
    if (value > limit) problems.push({ field, reason: `${value} is more than ${limitName} (${limit})` });
  };
  for (const { part, whole } of COUNT_PARTS) exceeds(part, a[part], whole, a[whole]);
  if (a.population !== null && !(Number.isSafeInteger(a.population) && a.population > 0)) {
    problems.push({ field: 'population', reason: `must be a whole number above 0, or blank (got ${a.population})` });
  }
  return problems;
}

/** Throws on contradictory counts: a wrong figure must never reach a chief executive. */
export function computeStatistics(a: Authority, averages: KindAverages): LetterStatistics {
  const problems = statisticsProblems(a);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
    throw new RenderError(`Cannot render statistics for authority "${a.id}": ${list}`);
  }
  return {
    upheld: {
      none: a.investigations === 0,
      investigations: a.investigations,
      upheld: a.upheld,
      pct: a.investigations === 0 ? 0 : percentHalfUp(a.upheld, a.investigations),
      averagePct: roundHalfUp(averages.upheldPct, 0),
      perCapita: perCapita(a, averages),
    },
    compliance: {
      none: a.complianceOutcomes === 0,
      outcomes: a.complianceOutcomes,
      pct: a.complianceOutcomes === 0 ? 0 : percentHalfUp(a.complianceMet, a.complianceOutcomes),
      averagePct: roundHalfUp(averages.compliancePct, 0),
      belowFull: a.complianceMet < a.complianceOutcomes,
    },
    remedy: {
      none: a.upheld === 0,
      upheld: a.upheld,
      remedies: a.satisfactoryRemedies,
      pct: a.upheld === 0 ? 0 : percentHalfUp(a.satisfactoryRemedies, a.upheld),
      averagePct: roundHalfUp(averages.remedyPct, 0),
    },
  };
}

function perCapita(a: Authority, averages: KindAverages): UpheldStatistics['perCapita'] {
  if (!isCouncil(a.kind) || a.population === null) return null;
  if (averages.upheldPer100k === undefined) {
    // The campaign schema requires it for councils; this guards hand-built campaigns.
    throw new RenderError(`The campaign has no upheldPer100k average for kind "${a.kind}"`);
  }
  return { value: per100kHalfUp(a.upheld, a.population), average: roundHalfUp(averages.upheldPer100k, 1) };
}
