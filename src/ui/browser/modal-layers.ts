// The page's dialogs (the authority's details, the confirmations, the
// readdress form) as native modal <dialog>s: the browser keeps Tab inside
// the open one. Opening moves the focus into it; closing (Escape, Close, a
// click on the backdrop, an answer) gives the focus back to the control that
// opened it, in the same moment, so it never rests on the page body between
// (or, when that control has left the page, to where the caller says).
// Messages go to the top layer's own message line, seen where the operator is.
import type { Announcer } from './announcer.js';
import { setText } from './dom.js';

export interface OpenOptions {
  /** What takes the focus on opening: the dialog's heading, or its first field. */
  focus: HTMLElement;
  /** Where the focus goes on closing when the control that opened the dialog is no longer on the page. */
  fallback?: () => HTMLElement | null;
  onClose?: () => void;
}

interface Layer {
  dialog: HTMLDialogElement;
  opener: HTMLElement | null;
  options: OpenOptions;
  detach(): void;
}

export class ModalLayers {
  private readonly stack: Layer[] = [];

  constructor(
    private readonly announcer: Announcer,
    private readonly pageMessage: HTMLElement,
  ) {}

  isOpen(dialog: HTMLDialogElement): boolean {
    return this.stack.some((layer) => layer.dialog === dialog);
  }

  open(dialog: HTMLDialogElement, options: OpenOptions): void {
    if (this.isOpen(dialog)) {
      options.focus.focus();
      return;
    }
    const active = document.activeElement;
    const opener = active instanceof HTMLElement && active !== document.body ? active : null;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || this.stack.at(-1)?.dialog !== dialog) return;
      // Closed here rather than by the browser, which would leave the focus on the body for a moment.
      event.preventDefault();
      event.stopPropagation();
      this.close(dialog);
    };
    const onCancel = (event: Event) => {
      event.preventDefault();
      this.close(dialog);
    };
    // A click on the backdrop lands on the dialog itself; its content is a child that fills it.
    const onClick = (event: MouseEvent) => {
      if (event.target === dialog) this.close(dialog);
    };
    // Closed some other way (a form's method="dialog"): the same bookkeeping, a moment later.
    const onClose = () => this.close(dialog);
    dialog.addEventListener('keydown', onKey);
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('click', onClick);
    dialog.addEventListener('close', onClose);
    const detach = () => {
      dialog.removeEventListener('keydown', onKey);
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('click', onClick);
      dialog.removeEventListener('close', onClose);
    };
    dialog.showModal();
    this.stack.push({ dialog, opener, options, detach });
    this.announcer.moveTo(dialog);
    options.focus.focus();
  }

  close(dialog: HTMLDialogElement): void {
    const at = this.stack.findIndex((layer) => layer.dialog === dialog);
    if (at < 0) {
      if (dialog.open) dialog.close();
      return;
    }
    const [layer] = this.stack.splice(at, 1) as [Layer];
    layer.detach();
    if (dialog.open) dialog.close();
    const back = layer.opener?.isConnected ? layer.opener : (layer.options.fallback?.() ?? null);
    back?.focus();
    this.announcer.moveTo(this.stack.at(-1)?.dialog ?? document.body);
    layer.options.onClose?.();
  }

  /** Shows a sentence in the top layer's message line and reads it out. */
  notify(text: string, isError = false): void {
    const top = this.stack.at(-1)?.dialog;
    const line = top?.querySelector<HTMLElement>('[data-message]') ?? this.pageMessage;
    setText(line, text);
    line.classList.toggle('error', isError);
    line.hidden = false;
    this.announcer.say(text);
  }
}
