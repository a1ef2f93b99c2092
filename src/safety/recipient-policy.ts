/**
 * RECIPIENT_ALLOWLIST before a run: `run` refuses, and `approve` warns about,
 * data with any recipient outside it. (The workers check every message again
 * as it is handed on: src/send/allowlist-provider.ts.)
 */
import { type Authority, isAllowed, recipientsOf } from '../domain/index.js';

/** "alpha/ceo ceo@alpha.example.org" for every recipient of the data the allowlist would refuse. */
export function recipientsOutside(authorities: readonly Authority[], allowlist: readonly string[] | undefined): string[] {
  if (!allowlist) return [];
  return authorities.flatMap((a) =>
    recipientsOf(a)
      .filter((r) => !isAllowed(r.email, allowlist))
      .map((r) => `${a.id}/${r.key} ${r.email}`),
  );
}

/** A list for a message: the first `max` items, then how many more. */
export function listSome(items: readonly string[], max = 20): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
