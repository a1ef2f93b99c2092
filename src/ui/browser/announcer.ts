// The page's one live region (polite): what the operator did and what
// changed, in a sentence, for a screen reader to read out. A modal dialog
// hides the rest of the page from a screen reader, live regions included,
// so the region moves into the dialog the operator is in.

/** How long a region stays quiet after it moved or was cleared, so a screen reader notices the new words as a change. */
const SETTLE_MS = 150;

export class Announcer {
  private pending: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly region: HTMLElement) {}

  /** Makes `layer` (the open dialog, or the page) the region's home. */
  moveTo(layer: Element): void {
    if (this.region.parentElement === layer) return;
    this.region.textContent = '';
    layer.append(this.region);
  }

  /** Reads `text` out once; sentences said within a moment of each other are read as one. */
  say(text: string): void {
    this.pending.push(text);
    clearTimeout(this.timer);
    this.region.textContent = '';
    this.timer = setTimeout(() => {
      this.region.textContent = this.pending.join(' ');
      this.pending = [];
    }, SETTLE_MS);
  }
}
