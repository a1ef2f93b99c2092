// Readdress as the page's own dialog: the corrected address and, when the
// new address is not at one of the authority's own domains, the reason the
// server asks for. The server's refusal (a bad address, one outside the
// allowlist, a missing reason) is shown in the dialog, tied to the field it
// is about, and that field takes the focus.
import type { ApiReaddressOutcome } from '../api-types.js';
import type { ApiClient } from './api-client.js';
import { partOf, setAttr, setText } from './dom.js';
import type { ModalLayers } from './modal-layers.js';

export interface ReaddressRequest {
  authority: string;
  /** "Chief executive" */
  who: string;
  current: string;
  /** The API path to POST to. */
  path: string;
}

export class ReaddressDialog {
  private readonly form: HTMLFormElement;
  private readonly title: HTMLElement;
  private readonly now: HTMLElement;
  private readonly email: HTMLInputElement;
  private readonly reason: HTMLInputElement;
  private readonly error: HTMLElement;
  private readonly send: HTMLButtonElement;
  private request: ReaddressRequest | null = null;
  private done: ApiReaddressOutcome | null = null;
  private settle: ((done: ApiReaddressOutcome | null) => void) | null = null;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly api: ApiClient,
    private readonly layers: ModalLayers,
  ) {
    this.form = partOf(dialog, 'form');
    this.title = partOf(dialog, '#readdress-title');
    this.now = partOf(dialog, '#readdress-now');
    this.email = partOf(dialog, '#readdress-email');
    this.reason = partOf(dialog, '#readdress-reason');
    this.error = partOf(dialog, '#readdress-error');
    this.send = partOf(dialog, 'button[type="submit"]');
    partOf(dialog, '[data-close]').addEventListener('click', () => layers.close(dialog));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** Opens the dialog; resolves with the server's answer once readdressed, or null when the operator gave up. */
  ask(request: ReaddressRequest): Promise<ApiReaddressOutcome | null> {
    this.request = request;
    this.done = null;
    setText(this.title, `Readdress the letter to the ${request.who.toLowerCase()} of ${request.authority}`);
    setText(this.now, `Now addressed to ${request.current}.`);
    this.email.value = '';
    this.reason.value = '';
    this.showError(null);
    return new Promise((resolve) => {
      this.settle = resolve;
      this.layers.open(this.dialog, { focus: this.email, onClose: () => this.settle?.(this.done) });
    });
  }

  private showError(message: string | null, field?: HTMLInputElement): void {
    setText(this.error, message ?? '');
    this.error.hidden = message === null;
    for (const input of [this.email, this.reason]) setAttr(input, 'aria-invalid', input === field ? 'true' : null);
    field?.focus();
  }

  private async submit(): Promise<void> {
    const request = this.request;
    if (!request || this.send.getAttribute('aria-disabled') === 'true') return;
    const email = this.email.value.trim();
    const reason = this.reason.value.trim();
    if (!email) return this.showError('Type the new address.', this.email);
    setAttr(this.send, 'aria-disabled', 'true');
    try {
      this.done = await this.api.post<ApiReaddressOutcome>(request.path, reason ? { email, reason } : { email });
      this.layers.close(this.dialog);
    } catch (error) {
      const message = (error as Error).message;
      this.showError(`Not readdressed: ${message}`, /\breason\b/i.test(message) ? this.reason : this.email);
    } finally {
      setAttr(this.send, 'aria-disabled', null);
    }
  }
}
