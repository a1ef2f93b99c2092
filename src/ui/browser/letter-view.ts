// The letter as sent to one recipient, rendered again from the stored
// campaign, in a sandboxed frame. The frame is replaced only when another
// letter is asked for: re-inserting it reloads it, and a refresh must
// neither make it flicker nor take the focus from inside it.
import { el } from './dom.js';

export class LetterView {
  constructor(
    private readonly box: HTMLElement,
    private readonly base: string,
  ) {
    // A frame whose letter has the focus does not match :focus in this page (the letter is
    // another origin), so the page marks it for its focus ring: the page's window loses the
    // focus to the frame, which is then the page's active element.
    const mark = () =>
      setTimeout(() => {
        const frame = box.querySelector('iframe');
        box.querySelector('.letter')?.classList.toggle('frame-focused', frame !== null && document.activeElement === frame);
      }, 0);
    window.addEventListener('blur', mark);
    window.addEventListener('focus', mark);
    document.addEventListener('focusin', mark);
  }

  show(authorityId: string, recipient: string | null, who: string): void {
    if (!recipient) {
      this.box.removeAttribute('data-src');
      this.box.replaceChildren();
      return;
    }
    const src = `${this.base}/authorities/${encodeURIComponent(authorityId)}/letters/${encodeURIComponent(recipient)}`;
    if (this.box.getAttribute('data-src') === src) return;
    this.box.setAttribute('data-src', src);
    const whom = who.toLowerCase();
    this.box.replaceChildren(
      el('h3', { text: `Letter as sent to ${whom}` }),
      el('div', { className: 'letter' }, [
        el('p', { className: 'l-head' }, [
          el('span', { className: 'subject', text: 'Rendered again from the stored campaign' }),
          el('a', { href: `${src}?format=text`, target: '_blank', rel: 'noopener' }, [
            'Plain text',
            el('span', { className: 'visually-hidden', text: ` of the letter to ${whom} (opens in a new tab)` }),
          ]),
        ]),
        el('iframe', { sandbox: '', src, title: `Letter to ${whom}`, loading: 'lazy' }),
      ]),
    );
  }
}
