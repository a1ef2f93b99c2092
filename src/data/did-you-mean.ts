/** "did you mean" for a name that is not known but is one slip away from one that is. */
import { closest, distance } from 'fastest-levenshtein';

/** The one of `known` within a typing slip of `name` (a letter or two, about a third of the name at most), if any. */
export function nearName(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  if (candidates.length === 0 || name === '') return undefined;
  const best = closest(name, candidates);
  const slips = distance(name, best);
  return slips > 0 && slips <= Math.max(1, Math.min(3, Math.floor(name.length / 3))) ? best : undefined;
}

/** `; did you mean 'upheld'?` when one of `known` is a slip away from `name`, else ''. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const near = nearName(name, known);
  return near === undefined ? '' : `; did you mean '${near}'?`;
}
