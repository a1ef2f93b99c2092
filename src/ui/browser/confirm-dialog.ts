// The page's own confirmation, in place of the browser's confirm box: a
// modal dialog that says how many, shows the first few of them and what
// will happen, and offers a button to go ahead and one to leave things as
// they are (Escape too). The focus starts on its heading and comes back to
// the button that asked.
import { el, partOf, setText } from './dom.js';
import type { ModalLayers } from './modal-layers.js';

export interface Confirmation {
  title: string;
  /** The counts, in a sentence. */
  summary: string;
  /** The first few of what it acts on, a line each. */
  rows: readonly string[];
  /** "and 12 more", when there are more than the rows shown. */
  more?: string;
  /** What happens, and what does not. */
  note: string;
  yes: string;
  no: string;
}

/** How many rows a confirmation shows: enough to recognise the selection, few enough to read. */
export const FIRST_ROWS = 5;

export class ConfirmDialog {
  private answer = false;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly layers: ModalLayers,
  ) {
    partOf(dialog, '[data-answer="yes"]').addEventListener('click', () => {
      this.answer = true;
      layers.close(dialog);
    });
    partOf(dialog, '[data-answer="no"]').addEventListener('click', () => layers.close(dialog));
  }

  ask(c: Confirmation): Promise<boolean> {
    const d = this.dialog;
    setText(partOf(d, '#confirm-title'), c.title);
    setText(partOf(d, '#confirm-summary'), c.summary);
    partOf(d, '#confirm-rows').replaceChildren(...c.rows.map((row) => el('li', { text: row })));
    partOf(d, '#confirm-rows').hidden = c.rows.length === 0;
    const more = partOf(d, '#confirm-more');
    setText(more, c.more ?? '');
    more.hidden = !c.more;
    setText(partOf(d, '#confirm-note'), c.note);
    setText(partOf(d, '[data-answer="yes"]'), c.yes);
    setText(partOf(d, '[data-answer="no"]'), c.no);
    this.answer = false;
    return new Promise((resolve) => {
      this.layers.open(d, { focus: partOf(d, '#confirm-title'), onClose: () => resolve(this.answer) });
    });
  }
}
