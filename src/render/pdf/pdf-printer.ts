/**
 * Prints a letter's document (its print layout, ../letter-renderer.ts) on
 * the paper of ./paper.ts to an A4 tagged PDF in Chromium, through
 * playwright-core: Debian's at CHROMIUM_PATH, or the one shipped in an npm
 * package when there is none (./chromium-binary.ts).
 *
 * One browser per process, launched on the first letter, with at most `pages`
 * tabs, each reused letter after letter (a new tab costs Chromium a renderer
 * process and about 300 ms; a reused one prints a letter in under 100 ms).
 * After `recycleAfter` letters, or when it died, the browser is closed once
 * its last print is done and only then is the next one launched, so a long
 * run never holds two browsers and its memory stays bounded.
 *
 * A crash, a launch that fails or a print that takes longer than `timeoutMs`
 * (a hung browser) is a PdfPrintError: the worker fails that attempt as
 * transient (nothing is claimed before the PDF exists). The suspect browser
 * is killed, not asked to close: a hung one would never answer.
 */
import { type BrowserContext, type BrowserServer, chromium, type Page } from 'playwright-core';
import { PdfPrintError } from '../../domain/index.js';
import { type ChromiumBinary, findChromium } from './chromium-binary.js';
import { fixPdfDates } from './fixed-dates.js';
import { paperStyle } from './paper.js';

/**
 * Flags for a closed network and a container: no background traffic, no
 * sandbox (containers run as a user already), /tmp for shared memory. And for
 * memory: every tab in one renderer process, no zygote processes, the GPU
 * thread inside the browser process, V8 without its optimising compilers
 * (letters run no script). Measured with `npm run bench -- --only
 * pdf-memory`: Chromium's share fell from about 440 to 230 MB, no slower.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--renderer-process-limit=1',
  '--no-zygote',
  '--in-process-gpu',
  '--js-flags=--lite-mode',
];

/** A browser asked to close that has not gone within this time is killed. */
const CLOSE_GRACE_MS = 5_000;

export interface PdfPrinterOptions {
  /**
   * Chromium's executable (CHROMIUM_PATH). Default `/usr/bin/chromium-headless-shell` (Debian's package).
   * When no such file exists, the Chromium shipped in the npm package @sparticuz/chromium prints instead.
   */
  executablePath?: string;
  /** A launch or a print taking longer than this fails. Default 30000 ms. */
  timeoutMs?: number;
  /** Letters per browser before a fresh one is launched. Default 200. */
  recycleAfter?: number;
  /** Letters printed at once (tabs in the browser); more wait their turn. Default 2. */
  pages?: number;
}

export interface PdfDocumentInfo {
  /** Fixes the PDF's creation and modification dates (the letter's date), so every print of a letter is byte-identical. */
  date: string;
}

interface Launched {
  server: BrowserServer;
  context: BrowserContext;
}

interface BrowserSlot {
  launched: Promise<Launched>;
  /** Tabs free for the next letter. */
  idle: Page[];
  printed: number;
  active: number;
  retired: boolean;
  /** Settles when the browser has gone. */
  gone: Promise<void>;
  markGone: () => void;
}

export class PdfPrinter {
  private readonly executablePath: string;
  private readonly timeoutMs: number;
  private readonly recycleAfter: number;
  private readonly pages: number;
  private current: BrowserSlot | null = null;
  private readonly slots = new Set<BrowserSlot>();
  private printing = 0;
  private readonly waiting: Array<() => void> = [];
  /** Browsers launched so far: the bench and the tests read it. */
  launches = 0;

  constructor(options: PdfPrinterOptions = {}) {
    this.executablePath = options.executablePath ?? '/usr/bin/chromium-headless-shell';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.recycleAfter = options.recycleAfter ?? 200;
    this.pages = options.pages ?? 2;
  }

  /** The letter's HTML as PDF bytes; its title is the HTML's <title>, its language the <html lang>. */
  async print(html: string, info: PdfDocumentInfo): Promise<Buffer> {
    await this.turn();
    try {
      return await this.printNow(html, info);
    } finally {
      this.endTurn();
    }
  }

  /** Closes every browser; a later print launches a new one. */
  async close(): Promise<void> {
    this.current = null;
    await Promise.all([...this.slots].map((slot) => this.closeSlot(slot, 'close')));
  }

  private async printNow(html: string, info: PdfDocumentInfo): Promise<Buffer> {
    const slot = this.slot();
    slot.active++;
    slot.printed++;
    if (slot.printed >= this.recycleAfter) this.retire(slot);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PdfPrintError(`the PDF was not made within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const pdf = await Promise.race([this.printOn(slot, html), timeout]);
      return fixPdfDates(pdf, info.date);
    } catch (error) {
      // Whatever went wrong, this browser is suspect: killed, and the next letter gets a new one.
      void this.closeSlot(slot, 'kill');
      if (error instanceof PdfPrintError) throw error;
      throw new PdfPrintError(`the PDF maker failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    } finally {
      clearTimeout(timer);
      slot.active--;
      if (slot.retired && slot.active === 0) void this.closeSlot(slot, 'close');
    }
  }

  private async printOn(slot: BrowserSlot, html: string): Promise<Buffer> {
    const { context } = await slot.launched;
    const page = slot.idle.pop() ?? (await context.newPage());
    await page.setContent(html.replace('</head>', `${paperStyle(html)}</head>`), { waitUntil: 'load', timeout: this.timeoutMs });
    // A letter printed before its font is ready would be printed in a font of the machine.
    await page.evaluate('document.fonts.ready.then(() => undefined)');
    // The page's size and margins are the paper style's @page (A4, 20 mm), with the page numbers in its margin.
    const pdf = await page.pdf({ preferCSSPageSize: true, tagged: true, outline: true, printBackground: true });
    // Only a tab that printed goes back for the next letter.
    slot.idle.push(page);
    return pdf;
  }

  /** Waits until fewer than `pages` letters are printing. */
  private async turn(): Promise<void> {
    if (this.printing < this.pages) {
      this.printing++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn to the next waiting letter, if any. */
  private endTurn(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.printing--;
  }

  private slot(): BrowserSlot {
    if (this.current) return this.current;
    // The browsers before this one go first: never two at once.
    const before = Promise.all([...this.slots].map((s) => s.gone));
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const slot: BrowserSlot = {
      launched: before.then(() => this.launch(slot)),
      idle: [],
      printed: 0,
      active: 0,
      retired: false,
      gone,
      markGone,
    };
    slot.launched.catch(() => undefined);
    this.launches++;
    this.current = slot;
    this.slots.add(slot);
    return slot;
  }

  /** The Chromium the next browser is launched from: CHROMIUM_PATH's when it exists, else the packaged one (unpacked on first use). */
  chromium(): Promise<ChromiumBinary> {
    return findChromium(this.executablePath);
  }

  private async launch(slot: BrowserSlot): Promise<Launched> {
    const binary = await this.chromium();
    const server = await chromium.launchServer({
      executablePath: binary.executablePath,
      args: CHROMIUM_ARGS,
      env: { ...process.env, ...binary.env },
      timeout: this.timeoutMs,
    });
    try {
      const browser = await chromium.connect(server.wsEndpoint(), { timeout: this.timeoutMs });
      // A browser that died between letters is done with at once: its `gone` settles and the next one can start.
      browser.on('disconnected', () => void this.closeSlot(slot, 'kill'));
      server.process().once('exit', () => void this.closeSlot(slot, 'kill'));
      // Offline, no scripts: a letter is static HTML, and nothing in it may reach the network.
      const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
      return { server, context };
    } catch (error) {
      await server.kill();
      throw error;
    }
  }

  private retire(slot: BrowserSlot): void {
    slot.retired = true;
    if (this.current === slot) this.current = null;
  }

  /** Closes (or, for a suspect browser, kills) a slot's browser; settles its `gone`. */
  private async closeSlot(slot: BrowserSlot, how: 'close' | 'kill'): Promise<void> {
    if (!this.slots.delete(slot)) return slot.gone;
    this.retire(slot);
    try {
      const { server } = await slot.launched;
      if (how === 'kill') await server.kill();
      else await closeWithin(server, CLOSE_GRACE_MS);
    } catch {
      // It never launched, or it is gone already.
    } finally {
      slot.markGone();
    }
  }
}

/** Asks the browser to close; kills it if it has not gone within `graceMs`. */
async function closeWithin(server: BrowserServer, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    if ((await Promise.race([server.close(), late])) === 'late') await server.kill();
  } finally {
    clearTimeout(timer);
  }
}
