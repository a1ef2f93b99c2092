// The authorities table: one row per authority, keyed by its id, and in it
// one chip per recipient, keyed by recipient. A refresh changes the rows and
// chips that changed, in place; it never re-creates a row, so the focus and
// a screen reader's reading position stay where they are. Each authority's
// name is a button that opens its details.
import type { ApiAuthorityPage, ApiDeliveryCell } from '../api-types.js';
import { actionButton, setApplies } from './action-button.js';
import { el, holdsFocus, placeChildren, setAttr, setText } from './dom.js';
import { number, type RecipientName, type Words } from './words.js';

export interface TablePaging {
  previous(): void;
  next(): void;
}

export class AuthorityTable {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly empty = el('tr', { className: 'empty-row' }, [el('td', { colspan: '3', className: 'empty' })]);
  private readonly pagerText: HTMLElement;
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private openId: string | null = null;
  private last: ApiAuthorityPage | null = null;

  constructor(
    private readonly body: HTMLElement,
    pager: HTMLElement,
    private readonly words: Words,
    private readonly onOpen: (id: string, name: string) => void,
    paging: TablePaging,
  ) {
    this.pagerText = el('p', { className: 'pager-text' });
    this.previous = actionButton({ className: 'btn', text: 'Previous page', 'data-action': 'previous-page' }, () => paging.previous());
    this.next = actionButton({ className: 'btn', text: 'Next page', 'data-action': 'next-page' }, () => paging.next());
    pager.replaceChildren(this.pagerText, this.previous, this.next);
    setApplies(this.previous, false);
    setApplies(this.next, false);
  }

  /** The button that opens this authority's details, when its row is shown. */
  opener(id: string): HTMLButtonElement | null {
    return this.rows.get(id)?.querySelector<HTMLButtonElement>('button.open-details') ?? null;
  }

  markOpen(id: string | null): void {
    this.openId = id;
    for (const [rowId, tr] of this.rows) tr.classList.toggle('open', rowId === id);
  }

  /** "Showing 1–200 of 400 authorities", for the pager and for saying after a search. */
  describe(): string {
    const page = this.last;
    if (!page) return '';
    if (page.matched === 0) return page.total === 0 ? 'No authorities in this campaign.' : 'No authority matches.';
    const from = page.offset + 1;
    const to = Math.min(page.offset + page.rows.length, page.matched);
    return `Showing ${number(from)}–${number(to)} of ${number(page.matched)}${
      page.matched !== page.total ? ` matching (${number(page.total)} in all)` : ' authorities'
    }`;
  }

  draw(page: ApiAuthorityPage): void {
    this.last = page;
    const shown: HTMLTableRowElement[] = [];
    for (const row of page.rows) {
      let tr = this.rows.get(row.id);
      if (!tr) {
        tr = this.createRow(row.id);
        this.rows.set(row.id, tr);
      }
      this.updateRow(tr, row);
      shown.push(tr);
    }
    const before = [...this.body.children];
    for (const [id, tr] of this.rows) {
      if (shown.includes(tr)) {
        tr.classList.remove('stale');
      } else if (holdsFocus(tr)) {
        // A row the operator is on stays (greyed) until the focus leaves it, rather than taking the focus with it.
        tr.classList.add('stale');
        shown.splice(Math.min(before.indexOf(tr), shown.length), 0, tr);
      } else {
        this.rows.delete(id);
      }
    }
    if (shown.length === 0) {
      setText(this.empty.firstElementChild!, this.describe());
      shown.push(this.empty);
    }
    placeChildren(this.body, shown);
    setText(this.pagerText, this.describe());
    setApplies(this.previous, page.offset > 0);
    setApplies(this.next, page.offset + page.limit < page.matched);
  }

  private createRow(id: string): HTMLTableRowElement {
    const open = el('button', { type: 'button', className: 'open-details', 'aria-haspopup': 'dialog' });
    const tr = el('tr', { className: 'row', 'data-authority-id': id }, [
      // The kind twice: its column on a wide screen, under the name on a narrow one (CSS shows one of them).
      el('th', { scope: 'row', className: 'name' }, [
        open,
        el('span', { className: 'id', text: id }),
        el('span', { className: 'kind-inline' }),
      ]),
      el('td', { className: 'kind' }),
      el('td', null, [el('ul', { className: 'cells' })]),
    ]);
    // The whole row opens the details for a mouse; the keyboard has the button, which a click on it reaches too.
    tr.addEventListener('click', () => this.onOpen(id, open.textContent ?? id));
    tr.classList.toggle('open', id === this.openId);
    return tr;
  }

  private updateRow(tr: HTMLTableRowElement, row: ApiAuthorityPage['rows'][number]): void {
    const [nameCell, kindCell, cellsCell] = [...tr.cells] as [HTMLTableCellElement, HTMLTableCellElement, HTMLTableCellElement];
    setText(nameCell.querySelector('button')!, row.name);
    setText(kindCell, this.words.kind(row.kind));
    setText(nameCell.querySelector('.kind-inline')!, this.words.kind(row.kind));
    const list = cellsCell.firstElementChild!;
    const names = this.words.recipients(row.deliveries);
    const existing = new Map([...list.children].map((chip) => [chip.getAttribute('data-recipient'), chip as HTMLLIElement]));
    placeChildren(
      list,
      row.deliveries.map((d) => {
        const chip =
          existing.get(d.recipient) ?? el('li', { 'data-recipient': d.recipient }, [el('span', { 'aria-hidden': 'true' }), el('span')]);
        this.updateChip(chip, d, names.get(d.recipient));
        return chip;
      }),
    );
  }

  private updateChip(chip: HTMLLIElement, d: ApiDeliveryCell, name: RecipientName | undefined): void {
    const status = this.words.status(d.status);
    const attempts = d.attempts ? ` (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})` : '';
    setAttr(chip, 'class', `chip s-${d.status}`);
    setAttr(chip, 'data-status', d.status);
    setAttr(chip, 'title', `${name?.long ?? d.recipient}: ${status}${attempts}`);
    const [symbol, text] = [...chip.children] as [HTMLElement, HTMLElement];
    setText(symbol, this.words.symbol(d.status));
    setText(text, `${name?.short ?? d.recipient} · ${status}`);
  }
}
