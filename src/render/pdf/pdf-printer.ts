/**
 * Prints a letter's own HTML (the email's, one layout) to an A4 tagged PDF in
 * Debian's Chromium, through playwright-core.
 *
 * One browser per process, launched on the first letter, a fresh page per
 * letter, and a new browser after `recycleAfter` letters or when the old one
 * died, so a long run's memory stays bounded. A crash, a launch that fails or
 * a print that takes longer than `timeoutMs` is a PdfPrintError: the worker
 * fails that attempt as transient (nothing is claimed before the PDF exists).
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { PdfPrintError } from '../../domain/index.js';
import { fixPdfDates } from './fixed-dates.js';

/** Flags for a closed network and a container: no background traffic, no sandbox (containers run as a user already), /tmp for shared memory. */
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
];

/**
 * Paper's needs only; the letter's look is the email's. MJML's columns are
 * inline-blocks, which Chromium cannot split across pages (it would slice a
 * line in two at a page break), so on paper they are plain blocks; a
 * paragraph or heading is never split from its page, nor a heading from
 * what follows it.
 */
const PAPER_STYLE = `<style media="print">
[class*="mj-column"], [class*="mj-outlook-group-fix"] { display: block !important; }
p, h1, h2, h3, li { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
</style>`;

export interface PdfPrinterOptions {
  /** Chromium's executable. Default `/usr/bin/chromium` (Debian's package). */
  executablePath?: string;
  /** A launch or a print taking longer than this fails. Default 30000 ms. */
  timeoutMs?: number;
  /** Letters per browser before a fresh one is launched. Default 200. */
  recycleAfter?: number;
}

export interface PdfDocumentInfo {
  /** Fixes the PDF's creation and modification dates (the letter's date), so every print of a letter is byte-identical. */
  date: string;
}

interface BrowserSlot {
  context: Promise<BrowserContext>;
  browser?: Browser;
  printed: number;
  active: number;
  retired: boolean;
}

export class PdfPrinter {
  private readonly executablePath: string;
  private readonly timeoutMs: number;
  private readonly recycleAfter: number;
  private current: BrowserSlot | null = null;
  private readonly slots = new Set<BrowserSlot>();
  /** Browsers launched so far: the bench and the tests read it. */
  launches = 0;

  constructor(options: PdfPrinterOptions = {}) {
    this.executablePath = options.executablePath ?? '/usr/bin/chromium';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.recycleAfter = options.recycleAfter ?? 200;
  }

  /** The letter's HTML as PDF bytes; its title is the HTML's <title>, its language the <html lang>. */
  async print(html: string, info: PdfDocumentInfo): Promise<Buffer> {
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
      // Whatever went wrong, this browser is suspect: the next letter gets a new one.
      void this.closeSlot(slot);
      if (error instanceof PdfPrintError) throw error;
      throw new PdfPrintError(`the PDF maker failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    } finally {
      clearTimeout(timer);
      slot.active--;
      if (slot.retired && slot.active === 0) void this.closeSlot(slot);
    }
  }

  /** Closes every browser; a later print launches a new one. */
  async close(): Promise<void> {
    this.current = null;
    await Promise.all([...this.slots].map((slot) => this.closeSlot(slot)));
  }

  private async printOn(slot: BrowserSlot, html: string): Promise<Buffer> {
    const context = await slot.context;
    const page = await context.newPage();
    try {
      await page.setContent(html.replace('</head>', `${PAPER_STYLE}</head>`), { waitUntil: 'load', timeout: this.timeoutMs });
      return await page.pdf({
        format: 'A4',
        tagged: true,
        outline: true,
        printBackground: true,
        margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' },
      });
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  private slot(): BrowserSlot {
    if (this.current) return this.current;
    if (!existsSync(this.executablePath))
      throw new PdfPrintError(`${this.executablePath} is missing: install Debian's chromium (apt-get install chromium)`);
    const slot: BrowserSlot = { printed: 0, active: 0, retired: false, context: Promise.resolve(null as never) };
    this.launches++;
    slot.context = chromium
      .launch({ executablePath: this.executablePath, args: CHROMIUM_ARGS, timeout: this.timeoutMs })
      .then(async (browser) => {
        slot.browser = browser;
        browser.on('disconnected', () => this.retire(slot));
        // Offline, no scripts: a letter is static HTML, and nothing in it may reach the network.
        return browser.newContext({ offline: true, javaScriptEnabled: false });
      });
    slot.context.catch(() => undefined);
    this.current = slot;
    this.slots.add(slot);
    return slot;
  }

  private retire(slot: BrowserSlot): void {
    slot.retired = true;
    if (this.current === slot) this.current = null;
  }

  private async closeSlot(slot: BrowserSlot): Promise<void> {
    if (!this.slots.delete(slot)) return;
    this.retire(slot);
    await slot.context
      .then(
        () => slot.browser?.close(),
        () => undefined,
      )
      .catch(() => undefined);
  }
}
