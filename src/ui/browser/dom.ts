// Building and updating the page's elements. Every value from the server
// goes in as text, never as HTML. Updates touch only what changed, so a
// screen reader's reading position and the keyboard focus stay where they
// are while the page refreshes.

type Attributes = Record<string, string | undefined>;
type Child = Node | string | null | undefined;

/** An element the server's page always has; its absence is a bug worth a loud error. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** An element a part of the page's markup always holds (a dialog's heading, its buttons); its absence is a bug worth a loud error. */
export function partOf<T extends HTMLElement = HTMLElement>(root: ParentNode & Element, selector: string): T {
  const node = root.querySelector<T>(selector);
  if (!node) throw new Error(`#${root.id} has no ${selector}`);
  return node;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attributes | null,
  children?: readonly Child[],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children ?? []) if (child) node.append(child);
  return node;
}

/** Sets an element's text only when it differs, changing its one text node in place rather than replacing it. */
export function setText(node: Element, text: string): void {
  if (node.textContent === text) return;
  const only = node.firstChild;
  if (only && only === node.lastChild && only.nodeType === Node.TEXT_NODE) (only as Text).data = text;
  else node.textContent = text;
}

/** Sets (or with null removes) an attribute only when it differs. */
export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

/** Whether the keyboard focus is on this element or inside it. */
export function holdsFocus(node: Element): boolean {
  return node.contains(document.activeElement);
}

/**
 * Puts `nodes` into `parent` in this order, removing its other children,
 * moving as few as it can and never the one that holds the focus: moving an
 * element takes the focus away from it.
 */
export function placeChildren(parent: Element, nodes: readonly Element[]): void {
  const wanted = new Set<Node>(nodes);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  const pinned = nodes.findIndex(holdsFocus);
  if (pinned < 0) {
    let previous: Element | null = null;
    for (const node of nodes) {
      const expected: Element | null = previous ? previous.nextElementSibling : parent.firstElementChild;
      if (expected !== node) parent.insertBefore(node, expected);
      previous = node;
    }
    return;
  }
  // Around the focused child: those after it in order, then those before it, backwards.
  let previous = nodes[pinned]!;
  for (const node of nodes.slice(pinned + 1)) {
    if (previous.nextElementSibling !== node) parent.insertBefore(node, previous.nextElementSibling);
    previous = node;
  }
  let next = nodes[pinned]!;
  for (const node of nodes.slice(0, pinned).reverse()) {
    if (next.previousElementSibling !== node) parent.insertBefore(node, next);
    next = node;
  }
}
