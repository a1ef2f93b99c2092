// The page's words for recipients, statuses, numbers and times. The words
// for kinds, statuses and roles come from the server (src/ui/labels.ts) in
// the page's configuration; recipients are named by role and their place
// among the authority's copies in that role, never by reading their key.
import type { ApiCellStatus, PageLabels } from '../api-types.js';

export interface RecipientName {
  /** "Monitoring officer 2" */
  long: string;
  /** "MO 2" */
  short: string;
}

export interface Words {
  kind(kind: string): string;
  status(status: ApiCellStatus): string;
  symbol(status: ApiCellStatus): string;
  /** Names for an authority's recipients, in the order the server lists them. */
  recipients(cells: ReadonlyArray<{ recipient: string; role: string }>): Map<string, RecipientName>;
}

export function wordsFrom(labels: PageLabels): Words {
  const roleWords = (role: string): RecipientName => {
    const known = labels.roles[role];
    if (known) return known;
    const spaced = role.replace(/-/g, ' ');
    const long = spaced.charAt(0).toUpperCase() + spaced.slice(1);
    return { long, short: long };
  };
  return {
    kind: (kind) => labels.kinds[kind] ?? kind,
    status: (status) => labels.statuses[status].text,
    symbol: (status) => labels.statuses[status].symbol,
    recipients(cells) {
      const seen = new Map<string, number>();
      const names = new Map<string, RecipientName>();
      for (const cell of cells) {
        const words = roleWords(cell.role);
        // The addressee and the political head are one each; copies in a role are numbered.
        if (cell.role === 'ceo' || cell.role === 'head') {
          names.set(cell.recipient, words);
          continue;
        }
        const n = (seen.get(cell.role) ?? 0) + 1;
        seen.set(cell.role, n);
        names.set(cell.recipient, { long: `${words.long} ${n}`, short: `${words.short} ${n}` });
      }
      return names;
    },
  };
}

export const number = (n: number): string => Number(n).toLocaleString('en-GB');

export const plural = (n: number, one: string, many = `${one}s`): string => `${number(n)} ${n === 1 ? one : many}`;

export function dateTime(ms: number | undefined): string {
  return ms
    ? new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : '';
}

export const clock = (ms: number = Date.now()): string => new Date(ms).toLocaleTimeString('en-GB');

/** A sentence with its first letter in capitals. */
export const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
