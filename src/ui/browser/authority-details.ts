// One authority's details as a modal dialog: its letter job (and Retry job),
// each recipient's delivery with its actions, the letter as sent, and the
// job's log, newest first. Opening it moves the focus to its heading, a few
// Tabs from its actions; Escape or Close gives the focus back to the row.
// While open it refreshes in place with the rest of the page.
import type { ApiAuthorityDetail, ApiRetryOutcome } from '../api-types.js';
import { actionButton, setApplies } from './action-button.js';
import type { ApiClient } from './api-client.js';
import type { ChangeWatcher } from './change-watcher.js';
import { type Delivery, DeliveryCard } from './delivery-card.js';
import { partOf, placeChildren, setAttr, setText } from './dom.js';
import { LetterView } from './letter-view.js';
import type { ModalLayers } from './modal-layers.js';
import type { ReaddressDialog } from './readdress-dialog.js';
import { dateTime, type Words } from './words.js';

export interface DetailsOptions {
  dialog: HTMLDialogElement;
  api: ApiClient;
  /** /api/campaigns/<id> */
  base: string;
  words: Words;
  layers: ModalLayers;
  changes: ChangeWatcher;
  readdress: ReaddressDialog;
  canChange: boolean;
  /** Everything on the page again, after an action. */
  refreshAll(): Promise<void>;
  /** The authority open (or null): for the address bar and the table. */
  onOpenChange(id: string | null): void;
  /** Where the focus goes on closing when the control that opened the details has left the page. */
  fallbackFocus(id: string): HTMLElement | null;
}

export class AuthorityDetails {
  private openId: string | null = null;
  private shownId: string | null = null;
  private last: ApiAuthorityDetail | null = null;
  private shownLetter: string | null = null;
  private failed: string | null = null;
  private readonly cards = new Map<string, DeliveryCard>();
  private readonly title: HTMLElement;
  private readonly sub: HTMLElement;
  private readonly message: HTMLElement;
  private readonly job: HTMLElement;
  private readonly jobState: HTMLElement;
  private readonly jobLine: HTMLElement;
  private readonly jobReason: HTMLElement;
  private readonly retryJob: HTMLButtonElement;
  private readonly list: HTMLElement;
  private readonly letter: LetterView;
  private readonly logBox: HTMLElement;
  private readonly log: HTMLElement;

  constructor(private readonly o: DetailsOptions) {
    const d = o.dialog;
    this.title = partOf(d, '#detail-title');
    this.sub = partOf(d, '#detail-sub');
    this.message = partOf(d, '[data-message]');
    this.job = partOf(d, '#detail-job');
    this.jobState = partOf(d, '#detail-job-state');
    this.jobLine = partOf(d, '#detail-job-line');
    this.jobReason = partOf(d, '#detail-job-reason');
    this.list = partOf(d, '#detail-deliveries');
    this.letter = new LetterView(partOf(d, '#detail-letter'), o.base);
    this.logBox = partOf(d, '#detail-log');
    this.log = partOf(d, '#detail-log pre');
    this.retryJob = actionButton({ className: 'btn', 'data-action': 'retry-job', text: 'Retry job' }, () => this.retry('retry', 'Job'));
    this.retryJob.title = 'Runs the job again; it sends only to recipients not yet sent, and skips permanent failures';
    setApplies(this.retryJob, false);
    if (o.canChange) this.job.append(this.retryJob);
    partOf(d, '[data-close]').addEventListener('click', () => o.layers.close(d));
  }

  get open(): string | null {
    return this.openId;
  }

  show(id: string, name?: string): void {
    if (this.shownId !== id) {
      this.shownId = id;
      this.last = null;
      this.shownLetter = null;
      this.cards.clear();
      this.list.replaceChildren();
      this.letter.show(id, null, '');
      this.logBox.hidden = true;
      this.message.hidden = true;
      setText(this.title, name ?? 'Loading…');
      setText(this.sub, '');
      setText(this.jobState, '');
      setText(this.jobLine, 'Loading…');
    }
    this.openId = id;
    this.o.changes.watching(id);
    this.o.onOpenChange(id);
    this.o.layers.open(this.o.dialog, {
      focus: this.title,
      fallback: () => this.o.fallbackFocus(id),
      onClose: () => {
        this.openId = null;
        this.o.changes.watching(null);
        this.o.onOpenChange(null);
      },
    });
    void this.refresh();
  }

  /** Reads the open authority again. A failure is shown in the dialog once, not at every poll, and never stops the page's polling. */
  async refresh(): Promise<void> {
    const id = this.openId;
    if (!id) return;
    let detail: ApiAuthorityDetail;
    try {
      detail = await this.o.api.get<ApiAuthorityDetail>(`${this.o.base}/authorities/${encodeURIComponent(id)}`);
    } catch (error) {
      const message = `The details could not be read: ${(error as Error).message}`;
      if (this.openId === id && message !== this.failed) this.o.layers.notify(message, true);
      this.failed = message;
      return;
    }
    this.failed = null;
    if (this.openId !== id) return;
    this.o.changes.details(detail);
    this.draw(detail);
  }

  private path(id: string): string {
    return `${this.o.base}/authorities/${encodeURIComponent(id)}`;
  }

  private async retry(what: 'retry' | `deliveries/${string}/retry`, who: string): Promise<void> {
    const id = this.openId;
    if (!id) return;
    try {
      const outcome = await this.o.api.post<ApiRetryOutcome>(`${this.path(id)}/${what}`);
      this.o.layers.notify(outcome.message);
    } catch (error) {
      this.o.layers.notify(`${who} not retried: ${(error as Error).message}`, true);
      return;
    }
    await this.o.refreshAll();
  }

  private async readdress(d: Delivery, who: string): Promise<void> {
    const id = this.openId;
    if (!id || !this.last) return;
    const done = await this.o.readdress.ask({
      authority: this.last.name,
      who,
      current: d.email,
      path: `${this.path(id)}/deliveries/${encodeURIComponent(d.recipient)}/readdress`,
    });
    if (!done) return;
    this.o.layers.notify(done.message);
    await this.o.refreshAll();
  }

  private draw(d: ApiAuthorityDetail): void {
    this.last = d;
    const { words } = this.o;
    setText(this.title, d.name);
    setText(this.sub, `${words.kind(d.kind)} · ${d.id}`);

    setAttr(this.job, 'data-job-state', d.job?.state ?? 'none');
    setAttr(this.jobState, 'class', d.job ? `badge j-${d.job.state}` : 'badge');
    setText(this.jobState, d.job?.state ?? '');
    this.jobState.hidden = !d.job;
    setText(
      this.jobLine,
      d.job
        ? `attempt ${d.job.attemptsMade} of ${d.job.attempts}${d.job.finishedOn ? `, finished ${dateTime(d.job.finishedOn)}` : ''}`
        : 'No letter job in the queue for this authority yet.',
    );
    setText(this.jobReason, d.job?.failedReason ?? '');
    this.jobReason.hidden = !d.job?.failedReason;
    setApplies(this.retryJob, d.job?.state === 'failed' || d.job?.state === 'completed');

    const names = words.recipients(d.deliveries);
    const letterKey = this.shownLetter ?? d.deliveries[0]?.recipient ?? null;
    const actions = {
      canChange: this.o.canChange,
      retry: (r: Delivery, who: string) => this.retry(`deliveries/${encodeURIComponent(r.recipient)}/retry`, who),
      readdress: (r: Delivery, who: string) => this.readdress(r, who),
      showLetter: (recipient: string) => {
        this.shownLetter = recipient;
        if (this.last) this.draw(this.last);
      },
    };
    placeChildren(
      this.list,
      d.deliveries.map((r) => {
        let card = this.cards.get(r.recipient);
        if (!card) {
          card = new DeliveryCard(r, words, actions);
          this.cards.set(r.recipient, card);
        }
        const unverified = (d.unverifiedBounces ?? []).filter((b) => b.recipient === r.recipient);
        card.update(r, names.get(r.recipient) ?? { long: r.recipient, short: r.recipient }, r.recipient === letterKey, unverified);
        return card.node;
      }),
    );
    this.letter.show(d.id, letterKey, letterKey ? (names.get(letterKey)?.long ?? letterKey) : '');

    const logs = d.job?.logs ?? [];
    this.logBox.hidden = logs.length === 0;
    setText(this.log, logs.join('\n'));
  }
}
