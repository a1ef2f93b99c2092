/**
 * Debian's Chromium, driven by playwright-core (never a browser download:
 * CI installs the `chromium` package, .ci/run), and a person using a page
 * with the keyboard alone, at a person's pace.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { focusFacts, type Watch, watchFocusAndAnnouncements } from './in-page.js';

const CHROMIUM = '/usr/bin/chromium';

/** Flags a closed network needs: without the background-networking ones Chromium keeps dialling out. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A person's pace at the keyboard: one key every 350 ms. */
export const KEY_PACE_MS = 350;

/** Where the keyboard focus is, as a person (and a screen reader) would know it. */
export interface FocusStop {
  /** The focused element's line in the accessibility tree: `button "Retry monitoring officer 1"`. */
  aria: string;
  tag: string;
  id: string;
  onBody: boolean;
  /** A focus ring of at least 2 px is drawn round it (outline or box-shadow). */
  ring: boolean;
  inDialog: string | null;
}

/**
 * A person at the keyboard, one key at a time at their pace, who knows after
 * each key where the focus is. Every stop is kept, with whether it showed a
 * focus ring; `lost()` says when the focus fell to the page body.
 */
export class KeyboardUser {
  readonly stops: FocusStop[] = [];
  readonly nativeDialogs: string[] = [];

  private constructor(readonly page: Page) {}

  /** Call before the page is loaded, so the watch starts with it. */
  static async on(page: Page): Promise<KeyboardUser> {
    await page.addInitScript(watchFocusAndAnnouncements);
    const user = new KeyboardUser(page);
    page.on('dialog', (dialog) => {
      user.nativeDialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return user;
  }

  /** From now on (until the next page load) the focus must never be on the page body. */
  async arm(): Promise<void> {
    await this.page.evaluate(() => {
      (window as unknown as { __watch: Watch }).__watch.armed = true;
    });
  }

  async lost(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __watch: Watch }).__watch.lost);
  }

  /** Every sentence the page's live regions said, in order. */
  async said(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __watch: Watch }).__watch.said);
  }

  async press(key: string): Promise<FocusStop> {
    await this.page.keyboard.press(key);
    await this.page.waitForTimeout(KEY_PACE_MS);
    return this.where();
  }

  /** Types one character at a time, at the same pace. */
  async type(text: string): Promise<void> {
    for (const char of text) {
      await this.page.keyboard.type(char);
      await this.page.waitForTimeout(KEY_PACE_MS);
    }
    await this.where();
  }

  /** Presses Tab until the focus is on what `wanted` accepts; how many Tabs it took. */
  async tabTo(wanted: (stop: FocusStop) => boolean, most = 40, key = 'Tab'): Promise<number> {
    for (let n = 1; n <= most; n++) if (wanted(await this.press(key))) return n;
    throw new Error(
      `${most} presses of ${key} never reached it; stops: ${this.stops
        .slice(-most)
        .map((s) => s.aria)
        .join(' | ')}`,
    );
  }

  async where(): Promise<FocusStop> {
    const facts = await this.page.evaluate(focusFacts);
    // The first line of its aria snapshot, without the text inside it: `button "Retry monitoring officer 1" [disabled]`.
    const line = facts.onBody
      ? '- body'
      : await this.page
          .locator('*:focus')
          .first()
          .ariaSnapshot({ timeout: 2_000 })
          .catch(() => `- ${facts.tag}`);
    const aria = /^- ([\w-]+(?: "(?:[^"\\]|\\.)*")?(?: \[[^\]]*\])*)/.exec(line)?.[1] ?? line;
    const stop = { ...facts, aria };
    this.stops.push(stop);
    return stop;
  }
}

/** Counts the page's polls (its summary requests), so a test can let several refreshes pass. */
export function countRefreshes(page: Page): { count: number; passed(n: number): Promise<void> } {
  const counter = {
    count: 0,
    async passed(n: number) {
      const until = counter.count + n;
      while (counter.count < until) await page.waitForTimeout(50);
    },
  };
  page.on('response', (res) => {
    if (/\/api\/campaigns\/[^/]+\/summary$/.test(new URL(res.url()).pathname)) counter.count++;
  });
  return counter;
}
