/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Functions the browser tests run inside the page (page.evaluate and
 * page.addInitScript serialise them): they use the browser's globals, so this
 * file brings the DOM library's types. Nothing here runs in Node.
 */

export interface Watch {
  armed: boolean;
  lost: string[];
  said: string[];
}

/**
 * Watches the page from its first script on: every moment the focus falls to
 * the page body (after a change to the page or a focus moving out), and every
 * sentence a live region says. Installed before the page's own script runs.
 */
export function watchFocusAndAnnouncements(): void {
  const w: Watch = { armed: false, lost: [], said: [] };
  Object.defineProperty(window, '__watch', { value: w });
  let last = '(nothing yet)';
  const describe = (node: Element) =>
    `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''} "${(node.textContent ?? '').trim().slice(0, 40)}"`;
  document.addEventListener('focusin', (event) => {
    if (event.target instanceof Element) last = describe(event.target);
  });
  // The body has the focus while the page has it: the focus was not taken by a frame or by the browser's own controls.
  const focusLost = (why: string) => {
    const active = document.activeElement;
    const onBody = !active || active === document.body || active === document.documentElement;
    if (w.armed && onBody && document.hasFocus()) w.lost.push(`${why}, after ${last}`);
  };
  const live = '[aria-live], [role="status"], [role="alert"], [role="log"]';
  const lastSaid = new WeakMap<Element, string>();
  new MutationObserver((records) => {
    focusLost(
      `a change to ${records
        .map((r) => (r.target instanceof Element ? describe(r.target) : r.target.nodeName))
        .join(', ')
        .slice(0, 200)}`,
    );
    for (const record of records) {
      const node = record.target instanceof Element ? record.target : record.target.parentElement;
      const region = node?.closest(live);
      const text = region?.textContent?.trim() ?? '';
      if (region && text && lastSaid.get(region) !== text) {
        lastSaid.set(region, text);
        w.said.push(text);
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  document.addEventListener('focusout', () => setTimeout(() => focusLost('the focus moving out'), 50), true);
}

/** The focused element: what it is, whether a focus ring of at least 2 px is drawn round it, and the dialog it is in. */
export function focusFacts(): { tag: string; id: string; onBody: boolean; ring: boolean; inDialog: string | null } {
  const active = document.activeElement as HTMLElement | null;
  const onBody = !active || active === document.body || active === document.documentElement;
  const style = active ? getComputedStyle(active) : null;
  const ring =
    !!style &&
    ((style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2) ||
      (style.boxShadow !== 'none' && style.boxShadow !== ''));
  const dialog = active?.closest('dialog[open]');
  return {
    tag: active?.tagName.toLowerCase() ?? '',
    id: active?.id ?? '',
    onBody,
    ring,
    inDialog: dialog ? (dialog.getAttribute('aria-labelledby') ?? dialog.id) : null,
  };
}

/** Controls under `selector` that cannot be reached: off the screen sideways, or covered or clipped, where a pointer at their middle finds something else. */
export function unreachableControls(selector: string): string[] {
  const found: string[] = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const control of root.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, iframe')) {
      if (!control.checkVisibility()) continue;
      control.scrollIntoView({ block: 'center', inline: 'center' });
      const box = control.getBoundingClientRect();
      const name = `${control.tagName.toLowerCase()} "${control.textContent?.trim() || control.getAttribute('aria-label') || control.id}"`;
      if (box.left < 0 || box.right > window.innerWidth + 0.5) {
        found.push(`${name} is off the screen (${Math.round(box.left)}–${Math.round(box.right)} px)`);
        continue;
      }
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (!hit || !(hit === control || control.contains(hit))) found.push(`${name} is covered or clipped`);
    }
  }
  return found;
}

/** Fields whose label is missing, or not shown whole (a placeholder is not a label). */
export function fieldsWithoutVisibleLabel(): string[] {
  const found: string[] = [];
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
    'main input:not([type="hidden"]), main select, header select',
  )) {
    if (!field.checkVisibility()) continue;
    const label = field.labels?.[0];
    if (!label?.checkVisibility()) {
      found.push(`#${field.id} has no visible label`);
      continue;
    }
    const box = label.getBoundingClientRect();
    if (box.left < 0 || box.right > window.innerWidth + 0.5 || label.scrollWidth > label.clientWidth + 1)
      found.push(`#${field.id}'s label is cut off`);
  }
  return found;
}

/** How many lines an element's text takes on the screen. */
export function lineCount(node: Element): number {
  const range = document.createRange();
  range.selectNodeContents(node);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}

/** How far the document, or one element, is wider than it shows (0 when nothing scrolls sideways). */
export function sidewaysOverflow(selector: string | null): number {
  const node = selector ? document.querySelector(selector) : document.documentElement;
  if (!node) throw new Error(`no ${selector}`);
  return node.scrollWidth - (selector ? node.clientWidth : window.innerWidth);
}

/** Marks the focused element, to tell later whether the focus is still on that very element, not on one drawn since. */
export function markFocused(): void {
  document.activeElement?.setAttribute('data-test-was-focused', '');
}

export function focusStillMarked(): boolean {
  return document.activeElement?.hasAttribute('data-test-was-focused') === true;
}

export function scrollY(): number {
  return window.scrollY;
}
