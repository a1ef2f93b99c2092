// One recipient's delivery in an authority's details: who, the address, the
// status, attempts, the relay's last reply (or a bounce's diagnostic), times,
// and its actions. Made once per recipient and then changed in place, so a
// refresh never takes the focus from its buttons.
import type { ApiAuthorityDetail } from '../api-types.js';
import { actionButton, setApplies } from './action-button.js';
import { el, setAttr, setText } from './dom.js';
import { dateTime, type RecipientName, type Words } from './words.js';

export type Delivery = ApiAuthorityDetail['deliveries'][number];
export type UnverifiedBounce = ApiAuthorityDetail['unverifiedBounces'][number];

export interface DeliveryActions {
  canChange: boolean;
  retry(d: Delivery, who: string): Promise<void>;
  readdress(d: Delivery, who: string): Promise<void>;
  showLetter(recipient: string): void;
}

/** A button whose visible word is followed, for a screen reader, by whose letter it acts on. */
function labelled(word: string): HTMLElement[] {
  return [el('span', { text: word }), el('span', { className: 'visually-hidden' })];
}

export class DeliveryCard {
  readonly node: HTMLLIElement;
  private readonly who = el('h4', { className: 'who' });
  private readonly email = el('dd', { className: 'email' });
  private readonly chip = el('span', { className: 'chip' });
  private readonly attempts = el('dd');
  private readonly replyTerm = el('dt', { text: 'Last reply' });
  private readonly reply = el('dd', { className: 'response' });
  private readonly times = el('dd', { className: 'times' });
  private readonly unverified = el('dd', { className: 'unverified' });
  private readonly retry: HTMLButtonElement;
  private readonly readdress: HTMLButtonElement;
  private readonly letter: HTMLButtonElement;
  private readonly canChange: boolean;
  private current: Delivery;
  private name: RecipientName = { long: '', short: '' };

  constructor(
    first: Delivery,
    private readonly words: Words,
    actions: DeliveryActions,
  ) {
    this.current = first;
    this.retry = actionButton({ className: 'btn primary', 'data-action': 'retry-delivery' }, () =>
      actions.retry(this.current, this.name.long),
    );
    this.retry.append(...labelled('Retry'));
    this.retry.title = 'Marks this delivery as queued again and re-runs the letter job; recipients already sent are not sent again';
    this.readdress = actionButton({ className: 'btn', 'data-action': 'readdress', 'aria-haspopup': 'dialog' }, () =>
      actions.readdress(this.current, this.name.long),
    );
    this.readdress.append(...labelled('Readdress'));
    this.readdress.title = 'Sends the letter once to a corrected address, with its own Message-ID; the change is recorded under your name';
    this.letter = actionButton({ className: 'btn', 'data-action': 'view-letter', 'aria-pressed': 'false' }, () =>
      actions.showLetter(this.current.recipient),
    );
    this.letter.append(...labelled('Letter'));
    const buttons = actions.canChange ? [this.retry, this.readdress, this.letter] : [this.letter];
    if (!actions.canChange) {
      setApplies(this.retry, false);
      setApplies(this.readdress, false);
    }
    this.node = el('li', { className: 'delivery', 'data-recipient': first.recipient }, [
      this.who,
      el('dl', null, [
        el('div', null, [el('dt', { text: 'Address' }), this.email]),
        el('div', null, [el('dt', { text: 'Status' }), el('dd', null, [this.chip])]),
        el('div', null, [el('dt', { text: 'Attempts' }), this.attempts]),
        el('div', { className: 'reply' }, [this.replyTerm, this.reply]),
        el('div', { className: 'when' }, [el('dt', { text: 'Times' }), this.times]),
        el('div', { className: 'unverified', hidden: '' }, [el('dt', { text: 'Unverified bounces' }), this.unverified]),
      ]),
      el('div', { className: 'actions' }, buttons),
    ]);
    this.canChange = actions.canChange;
  }

  /** `unverified`: bounces that named this delivery without a valid VERP token (newest first): shown as claims, they changed nothing. */
  update(d: Delivery, name: RecipientName, letterShown: boolean, unverified: readonly UnverifiedBounce[] = []): void {
    this.current = d;
    if (name.long !== this.name.long) {
      this.name = name;
      const whose = ` ${name.long.toLowerCase()}`;
      for (const button of [this.retry, this.readdress]) setText(button.lastElementChild!, whose);
      setText(this.letter.lastElementChild!, ` to ${name.long.toLowerCase()}`);
    }
    setAttr(this.node, 'data-status', d.status);
    setText(this.who, d.name ? `${name.long} · ${d.name}` : name.long);
    setText(this.email, d.email);
    setAttr(this.chip, 'class', `chip s-${d.status}`);
    setText(this.chip, `${this.words.symbol(d.status)} ${this.words.status(d.status)}`);
    setText(this.attempts, String(d.attempts));
    // A bounce's diagnostic says more than the relay's 250 before it.
    const bounced = d.status === 'bounced' && d.diagnostic;
    setText(this.replyTerm, bounced ? 'Bounce' : 'Last reply');
    setText(this.reply, bounced ? `bounced: ${d.diagnostic}` : (d.response ?? ''));
    (this.reply.parentElement as HTMLElement).hidden = !bounced && !d.response;
    const times: string[] = [];
    if (d.bouncedAt) times.push(`bounced ${dateTime(d.bouncedAt)}`);
    if (d.sentAt) times.push(`sent ${dateTime(d.sentAt)}`);
    else if (d.updatedAt) times.push(`updated ${dateTime(d.updatedAt)}`);
    if (d.queuedAt) times.push(`queued ${dateTime(d.queuedAt)}`);
    setText(this.times, times.join(' · '));
    (this.times.parentElement as HTMLElement).hidden = times.length === 0;
    const latest = unverified[0];
    setText(
      this.unverified,
      latest
        ? `${unverified.length} changed nothing. The latest (${dateTime(latest.receivedAt)}) claims: ${latest.claimedDiagnostic ?? latest.kind}. ${latest.reason}.`
        : '',
    );
    (this.unverified.parentElement as HTMLElement).hidden = !latest;
    if (this.canChange) {
      setApplies(this.retry, d.status === 'temporary-failure' || d.status === 'permanent-failure');
      setApplies(this.readdress, d.status === 'bounced' || d.status === 'permanent-failure');
    }
    setAttr(this.letter, 'aria-pressed', String(letterShown));
    this.letter.classList.toggle('current', letterShown);
  }
}
