/** "did you mean" for a name that is not known but is one slip away from one that is. */
import { closest, distance } from 'fastest-levenshtein';

/**
 * `; did you mean 'upheld'?` when one of `known` is within a typing slip of
 * `name` (a letter or two, about a third of the name at most), else ''.
 */
export function didYouMean(name: string, known: Iterable<string>): string {
  const candidates = [...known];
  if (candidates.length === 0 || name === '') return '';
  const best = closest(name, candidates);
  const slips = distance(name, best);
  return slips > 0 && slips <= Math.max(1, Math.min(3, Math.floor(name.length / 3))) ? `; did you mean '${best}'?` : '';
}
