/**
 * A test run on a sample: `run --test-to ADDRESS --sample N` sends N
 * authorities' letters, chosen so that between them they show every kind of
 * authority and every case of the statistics page (the same choices the
 * renderer makes, from computeStatistics), so the proof-reader sees each
 * sentence that can appear, not 400 near-identical letters.
 */
import type { Authority, Campaign } from '../domain/index.js';
import { computeStatistics } from '../render/statistics.js';

/** The cases one authority's letter shows, e.g. "kind:london-borough", "compliance:below-full". */
export function letterCases(authority: Authority, campaign: Campaign): string[] {
  const s = computeStatistics(authority, campaign.averages[authority.kind]);
  return [
    `kind:${authority.kind}`,
    `investigations:${s.upheld.none ? 'none' : 'some'}`,
    `per-100k:${s.upheld.perCapita ? 'shown' : 'not shown'}`,
    `compliance:${s.compliance.none ? 'none due' : s.compliance.belowFull ? 'below full' : 'full'}`,
    `remedies:${s.remedy.none ? 'none upheld' : 'some'}`,
    `training:${authority.trainingCourses === 0 ? 'none' : 'some'}`,
    `political head:${authority.head ? 'yes' : 'no'}`,
    `monitoring officers:${authority.monitoringOfficers.length > 0 ? 'yes' : 'no'}`,
  ];
}

export interface TestSample {
  authorities: Authority[];
  /** Every case the data set holds. */
  cases: string[];
  /** Cases no chosen authority shows: N was too small. */
  uncovered: string[];
  /** Why each authority was chosen: the cases it added. */
  reasons: Map<string, string[]>;
}

/**
 * Greedy cover: the authority that shows the most cases not yet shown, first
 * in file order on a tie (so the same data gives the same sample); then, if N
 * is larger than the cover needs, the next authorities in file order.
 */
export function pickTestSample(authorities: readonly Authority[], campaign: Campaign, size: number): TestSample {
  const casesOf = new Map(authorities.map((a) => [a.id, letterCases(a, campaign)]));
  const all = [...new Set([...casesOf.values()].flat())].sort();
  const uncovered = new Set(all);
  const chosen: Authority[] = [];
  const reasons = new Map<string, string[]>();
  const remaining = [...authorities];
  while (chosen.length < size && remaining.length > 0) {
    let best = 0;
    let bestGain: string[] = [];
    for (const [i, a] of remaining.entries()) {
      const gain = casesOf.get(a.id)!.filter((c) => uncovered.has(c));
      if (gain.length > bestGain.length) {
        best = i;
        bestGain = gain;
      }
    }
    const [picked] = remaining.splice(best, 1);
    chosen.push(picked!);
    reasons.set(picked!.id, bestGain);
    for (const c of bestGain) uncovered.delete(c);
  }
  return { authorities: chosen, cases: all, uncovered: [...uncovered], reasons };
}
