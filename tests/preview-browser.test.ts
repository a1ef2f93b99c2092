import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePreview } from '../src/cli/preview-gallery.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { launchChromium } from './support/browser.js';

const SAMPLE = new URL('../data/sample', import.meta.url).pathname;

describe('the preview gallery in a browser', () => {
  let outDir: string;
  let indexPath: string;
  let browser: Browser;
  let names: string[];

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'preview-'));
    ({ indexPath } = await writePreview({ dataDir: SAMPLE, outDir }));
    names = (await loadDataSet(SAMPLE)).validAuthorities.map((a) => a.name);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('lists every authority of the sample data', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(indexPath).href);
    const listed = await page.locator('tbody th[scope="row"]').evaluateAll((cells) => cells.map((c) => c.firstChild?.textContent ?? ''));
    expect(names.length).toBeGreaterThan(0);
    expect(listed.sort()).toEqual([...names].sort());
    await page.close();
  });

  it('opens a letter that names its authority when a letter link is clicked', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(indexPath).href);
    const row = page.locator('tbody tr').nth(2);
    const name = (await row.locator('th').evaluate((th) => th.firstChild?.textContent ?? '')).trim();
    await row.getByRole('link', { name: 'HTML' }).first().click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/ceo\.html$/);
    expect(await page.locator('body').textContent()).toContain(name);
    expect(await page.title()).toContain(name);
    await page.close();
  });

  it.each([320, 1024])('shows a letter without sideways scrolling at %i px', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const first = (await loadDataSet(SAMPLE)).validAuthorities[0]!;
    await page.goto(pathToFileURL(path.join(outDir, first.id, 'ceo.html')).href);
    // Runs in the page; `document` is the browser's, which tsconfig (lib ES2023, no DOM) does not know.
    const scrollWidth = await page.locator('html').evaluate((root) => root.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(width);
    await page.close();
  });
});
