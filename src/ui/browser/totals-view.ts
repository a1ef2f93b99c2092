// The campaign's totals: one card per figure, made once and then only their
// numbers change, and the progress bar under them.
import type { ApiSummary } from '../api-types.js';
import { el, setText } from './dom.js';
import { number } from './words.js';

type Totals = ApiSummary['totals'];

interface Card {
  kind: string;
  label: string;
  value: (s: ApiSummary) => number;
  note?: (s: ApiSummary) => string;
}

const CARDS: readonly Card[] = [
  { kind: 'k-auth', label: 'Authorities', value: (s) => s.totals.authorities },
  { kind: 'k-deliv', label: 'Deliveries', value: (s) => s.totals.deliveries },
  {
    kind: 'k-sent',
    label: 'Sent',
    value: (s) => s.totals.sent,
    note: (s) => (s.totals.deliveries ? `${Math.floor((100 * s.totals.sent) / s.totals.deliveries)}% of deliveries` : ''),
  },
  {
    kind: 'k-pending',
    label: 'Pending',
    value: (s) => s.totals.pending,
    // Job counts are the whole letters queue's (every campaign in it), not this campaign's alone.
    note: (s) => `letters queue: ${s.jobs.active} jobs running, ${s.jobs.waiting + s.jobs.delayed + s.jobs.prioritized} waiting`,
  },
  { kind: 'k-bounced', label: 'Bounced', value: (s) => s.totals.bounced, note: () => 'sent, then returned: still owed' },
  { kind: 'k-temp', label: 'Temporary failures', value: (s) => s.totals.temporaryFailures, note: () => 'retried while attempts remain' },
  { kind: 'k-perm', label: 'Permanent failures', value: (s) => s.totals.permanentFailures, note: () => 'need an operator' },
];

const BAR: ReadonlyArray<[string, (t: Totals) => number]> = [
  ['.p-sent', (t) => t.sent],
  ['.p-temp', (t) => t.temporaryFailures],
  ['.p-perm', (t) => t.permanentFailures],
  ['.p-bounced', (t) => t.bounced],
];

export class TotalsView {
  private readonly values = new Map<string, { value: HTMLElement; note: HTMLElement | null }>();

  constructor(
    list: HTMLElement,
    private readonly bar: HTMLElement,
  ) {
    for (const card of CARDS) {
      const value = el('dd', { className: 'value', text: '…' });
      const note = card.note ? el('dd', { className: 'note' }) : null;
      list.append(
        el('div', { className: `card ${card.kind}`, 'data-total': card.kind }, [
          el('dt', { className: 'label', text: card.label }),
          value,
          note,
        ]),
      );
      this.values.set(card.kind, { value, note });
    }
  }

  draw(summary: ApiSummary): void {
    for (const card of CARDS) {
      const shown = this.values.get(card.kind)!;
      setText(shown.value, number(card.value(summary)));
      if (shown.note && card.note) setText(shown.note, card.note(summary));
    }
    const total = summary.totals.deliveries || 1;
    for (const [part, of] of BAR) {
      const span = this.bar.querySelector<HTMLElement>(part);
      if (span) span.style.width = `${(100 * of(summary.totals)) / total}%`;
    }
  }
}
