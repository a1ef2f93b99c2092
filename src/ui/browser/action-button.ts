// Buttons that keep the keyboard focus. A `disabled` or hidden button loses
// the focus to the page body, so a button that is busy, or whose action no
// longer applies, is marked aria-disabled instead and ignores presses; one
// that no longer applies leaves the page only once the focus has moved on.
import { el, holdsFocus, setAttr } from './dom.js';

export function actionButton(
  attrs: Record<string, string | undefined>,
  onPress: (button: HTMLButtonElement) => Promise<void> | void,
): HTMLButtonElement {
  return wireAction(el('button', { type: 'button', ...attrs }), onPress);
}

/** Gives a button of the page's markup the same behaviour. */
export function wireAction(button: HTMLButtonElement, onPress: (button: HTMLButtonElement) => Promise<void> | void): HTMLButtonElement {
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    event.preventDefault();
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.dataset.busy = 'true';
    setAttr(button, 'aria-disabled', 'true');
    void Promise.resolve()
      .then(() => onPress(button))
      .finally(() => {
        delete button.dataset.busy;
        if (button.dataset.applies !== 'false') setAttr(button, 'aria-disabled', null);
      });
  });
  return button;
}

/** Shows the button when its action applies; otherwise hides it, or, while it has the focus, marks it unavailable. */
export function setApplies(button: HTMLButtonElement, applies: boolean): void {
  button.dataset.applies = String(applies);
  if (applies) {
    button.hidden = false;
    if (!button.dataset.busy) setAttr(button, 'aria-disabled', null);
  } else if (holdsFocus(button)) {
    setAttr(button, 'aria-disabled', 'true');
  } else {
    button.hidden = true;
  }
}
