// What changed since the last poll, put into words for the page's live
// region without talking over the operator: a change of the run's state, and
// a change in the authority whose details are open, are said at once; other
// letters' changes are gathered and said as one summary at most every few
// polls. A poll in which nothing changed says nothing.
import type { ApiAuthorityDetail, ApiAuthorityPage, ApiCellStatus, ApiSummary } from '../api-types.js';
import type { Announcer } from './announcer.js';
import { clock, plural, sentence, type Words } from './words.js';

interface Change {
  authority: string;
  recipient: string;
  status: ApiCellStatus;
}

export class ChangeWatcher {
  private readonly statuses = new Map<string, ApiCellStatus>();
  private pending: Change[] = [];
  private since = Date.now();
  private runState: string | null = null;
  /** The authority whose details are open: its changes are said by `details`, not summed up from the table. */
  private open: string | null = null;

  constructor(
    private readonly words: Words,
    private readonly announcer: Announcer,
    private readonly summaryEveryMs: number,
  ) {}

  run(state: ApiSummary['state']): void {
    if (this.runState !== null && this.runState !== state.state) this.announcer.say(`The run is now ${state.text}.`);
    this.runState = state.state;
  }

  watching(authorityId: string | null): void {
    this.open = authorityId;
  }

  rows(rows: ApiAuthorityPage['rows']): void {
    for (const row of rows) {
      if (row.id === this.open) continue;
      const names = this.words.recipients(row.deliveries);
      for (const cell of row.deliveries) {
        const before = this.seen(row.id, cell.recipient, cell.status);
        if (before && before !== cell.status) {
          this.pending.push({ authority: row.name, recipient: names.get(cell.recipient)?.long ?? cell.recipient, status: cell.status });
        }
      }
    }
  }

  /** The open authority: its changes are what the operator is looking at, so they are said at once. */
  details(d: ApiAuthorityDetail): void {
    const names = this.words.recipients(d.deliveries);
    const said: string[] = [];
    for (const r of d.deliveries) {
      const before = this.seen(d.id, r.recipient, r.status);
      if (before && before !== r.status) said.push(`${names.get(r.recipient)?.long ?? r.recipient}: ${this.words.status(r.status)}`);
    }
    if (said.length > 0) this.announcer.say(`${d.name}: ${said.join('; ')}.`);
  }

  /** Says what gathered since the last summary, once enough time has passed. */
  flush(now = Date.now()): void {
    if (this.pending.length === 0 || now - this.since < this.summaryEveryMs) return;
    const byStatus = new Map<ApiCellStatus, number>();
    for (const c of this.pending) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    const counts = [...byStatus].map(([status, n]) => `${plural(n, 'letter')} now ${this.words.status(status)}`);
    const names =
      this.pending.length <= 3
        ? `: ${this.pending.map((c) => `${c.authority}, ${c.recipient.toLowerCase()}, ${this.words.status(c.status)}`).join('; ')}`
        : '';
    this.announcer.say(`${sentence(`since ${clock(this.since)}`)}, ${counts.join(', ')}${names}.`);
    this.pending = [];
    this.since = now;
  }

  private seen(authority: string, recipient: string, status: ApiCellStatus): ApiCellStatus | undefined {
    const key = `${authority}\u0000${recipient}`;
    const before = this.statuses.get(key);
    this.statuses.set(key, status);
    return before;
  }
}
