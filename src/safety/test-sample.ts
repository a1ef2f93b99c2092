/**
 * A test run on a sample: `run --test-to ADDRESS --sample N` sends N
 * authorities' letters, chosen so that between them they show every kind of
 * authority and every case the campaign's declaration can make a template
 * choose between, so the proof-reader sees each sentence that can appear, not
 * 400 near-identical letters. The cases come from the declaration alone (code
 * knows "a figure" and "a rule", never what one counts): each figure none,
 * some or blank; each part below or equal to its whole (a rate under or at
 * 100%); each copy role present or not.
 */
import type { Authority, Campaign } from '../domain/index.js';

/** The cases one authority's letter shows, e.g. "kind:london-borough", "<figure>:none", "<part> of <whole>:below", "copy:<role>". */
export function letterCases(authority: Authority, campaign: Campaign): string[] {
  const cases = [`kind:${authority.kind}`, `political head:${authority.head ? 'yes' : 'no'}`];
  for (const figure of campaign.figures) {
    const value = authority.figures[figure.column];
    cases.push(`${figure.column}:${value === null || value === undefined ? 'blank' : value === 0 ? 'none' : 'some'}`);
  }
  for (const rule of campaign.rules) {
    if (rule.rule !== 'part') continue;
    const part = authority.figures[rule.part];
    const whole = authority.figures[rule.whole];
    if (typeof part === 'number' && typeof whole === 'number' && whole > 0)
      cases.push(`${rule.part} of ${rule.whole}:${part < whole ? 'below' : 'all'}`);
  }
  for (const role of new Set(authority.copies.map((c) => c.role))) cases.push(`copy:${role}`);
  return cases;
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
