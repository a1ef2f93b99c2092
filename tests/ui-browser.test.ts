/**
 * The operators' console in a real headless browser (Debian's chromium
 * through playwright-core; no browser is ever downloaded), over the bundled
 * 400-authority sample sent through real workers to a real SMTP server.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, recipientsOf } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { launchChromium } from './support/browser.js';
import { copySample } from './support/data-set.js';
import { CAMPAIGN, OPERATOR, startUiHarness, type UiHarness } from './support/ui-harness.js';

const ARTIFACTS = join(import.meta.dirname, '.artifacts');

let h: UiHarness;
let browser: Browser;
/** The authority whose monitoring officer's relay refuses the first letter (550). */
let refused: Authority;
/** Another whose political head's mailbox stays busy (451), left as a temporary failure. */
let busy: Authority;
/** A third whose chief executive's letter bounces after it was sent. */
let bouncing: Authority;

beforeAll(async () => {
  const sample = await loadDataSet(SAMPLE_DATA_DIR);
  const authorities = sample.validAuthorities;
  refused = authorities.find((a) => a.kind === 'london-borough' && a.copies.some((c) => c.role === 'mo'))!;
  busy = authorities.find((a) => a.kind === 'district-council' && a.head !== null && a.id !== refused.id)!;
  bouncing = authorities.find((a) => a.kind === 'county-council' && a.id !== refused.id && a.id !== busy.id)!;

  h = await startUiHarness('ui-browser', { env: { SEND_ATTEMPTS: '2', WORKER_CONCURRENCY: '8' } });
  h.refuse.set(refused.copies.find((c) => c.role === 'mo')!.email, { code: 550, message: '5.1.1 <address> no such user here' });
  h.refuse.set(busy.head!.email, { code: 451, message: '4.2.1 mailbox temporarily unavailable' });
  await h.runApproved(await copySample(join(h.dir, 'sample')), authorities.length);

  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The page polls the ui every half second, and a loaded CI machine is slow: give it time. */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000, interval: 100 });
}

async function signIn(page: Page, screenshot?: string): Promise<void> {
  await page.goto(h.ui.url);
  await page.waitForURL(/\/login\?next=/);
  if (screenshot) await page.screenshot({ path: screenshot });
  await page.getByLabel('User name').fill(OPERATOR.name);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${h.ui.url}/`);
}

describe('the operators’ console in a browser', () => {
  it('shows a failed delivery, retries it, and sees it turn sent', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await mkdir(ARTIFACTS, { recursive: true });
    await signIn(page, join(ARTIFACTS, 'login.png'));

    // Every authority of the sample, with totals that add up.
    await poll(() => page.locator('tr.row').count()).toBe(200);
    await poll(() => page.locator('[data-total="k-perm"] .value').textContent()).toBe('1');
    expect(await page.locator('#pager').textContent()).toContain('of 400 authorities');

    // Find the failure with the status filter, then search for it by name.
    await page.locator('#status').selectOption('failed');
    await poll(() => page.locator('tr.row').count()).toBe(2);
    await page.getByLabel('Search authorities by name').fill(refused.name);
    const row = page.locator(`tr.row[data-authority-id="${refused.id}"]`);
    await poll(() => page.locator('tr.row').count()).toBe(1);
    await poll(() => row.locator('.chip[data-recipient="mo-1"]').getAttribute('data-status')).toBe('permanent-failure');
    expect(await row.locator('.chip[data-recipient="mo-1"]').textContent()).toContain('permanent failure');

    // Open it: the delivery shows the relay's answer, and the letter as sent.
    await row.click();
    const delivery = page.locator('#detail li[data-recipient="mo-1"]');
    await poll(() => delivery.getAttribute('data-status')).toBe('permanent-failure');
    expect(await delivery.locator('.response').textContent()).toContain('550');
    const letter = page.frameLocator('#detail iframe');
    await poll(() => letter.locator('body').textContent()).toContain(refused.name);

    // The operator fixes the address's cause, then retries that delivery.
    h.refuse.delete(refused.copies.find((c) => c.role === 'mo')!.email);
    await delivery.locator('[data-action="retry-delivery"]').click();
    await poll(() => delivery.getAttribute('data-status')).toBe('sent');
    // Nothing of it is failed any more, so it leaves the "Any failure" view.
    await poll(() => row.count()).toBe(0);
    await poll(() => page.locator('#detail [data-job-state]').getAttribute('data-job-state')).toBe('completed');

    // Exactly one letter more: to that officer; nobody else of that authority twice.
    for (const r of recipientsOf(refused)) expect(h.receivedFor(`${refused.id}/${r.key}`), r.key).toBe(1);
    await poll(() => page.locator('[data-total="k-perm"] .value').textContent()).toBe('0');

    await mkdir(ARTIFACTS, { recursive: true });
    const detailShot = join(ARTIFACTS, 'campaign-page-detail.png');
    await page.screenshot({ path: detailShot });

    // The whole campaign again, with the one failure still owed.
    await page.keyboard.press('Escape');
    await page.getByLabel('Search authorities by name').fill('');
    await page.locator('#status').selectOption('all');
    await poll(() => page.locator('tr.row').count()).toBe(200);
    await page.getByLabel('Search authorities by name').fill(refused.name);
    await poll(() => row.locator('.chip[data-recipient="mo-1"]').getAttribute('data-status')).toBe('sent');
    await page.getByLabel('Search authorities by name').fill('');
    await poll(() => page.locator('tr.row').count()).toBe(200);
    await poll(() => page.locator('[data-total="k-temp"] .value').textContent()).toBe('1');
    const shot = join(ARTIFACTS, 'campaign-page.png');
    await page.screenshot({ path: shot });
    console.log(`campaign page screenshot: ${shot}\ncampaign page with a delivery open: ${detailShot}`);

    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("shows a bounced letter with its diagnostic, readdresses it in the page's dialog (which shows the server's refusal and sends a typed reason), and the letter goes to the new address once", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page);
    await poll(() => page.locator('[data-total="k-bounced"] .value').textContent()).toBe('0');

    // What the `bounces` process records when the council's server returns the letter.
    const oldEmail = bouncing.chiefExecutive.email;
    const diagnostic = `smtp; 550 5.1.1 <${oldEmail}>: Recipient address rejected: User unknown`;
    expect((await h.producer.ledger(CAMPAIGN).bounce(bouncing.id, 'ceo', { diagnostic, email: oldEmail })).bounced).toBe(true);
    await poll(() => page.locator('[data-total="k-bounced"] .value').textContent()).toBe('1');

    await page.locator('#status').selectOption('bounced');
    const row = page.locator(`tr.row[data-authority-id="${bouncing.id}"]`);
    await poll(() => page.locator('tr.row').count()).toBe(1);
    expect(await row.locator('.chip[data-recipient="ceo"]').textContent()).toContain('bounced');
    await row.click();
    const delivery = page.locator('#detail li[data-recipient="ceo"]');
    await poll(() => delivery.getAttribute('data-status')).toBe('bounced');
    expect(await delivery.locator('.response').textContent()).toBe(`bounced: ${diagnostic}`);

    // The page's own dialog asks for the address; the server's refusal is shown in it, on the field it is about.
    await delivery.locator('[data-action="readdress"]').click();
    const dialog = page.getByRole('dialog', { name: `Readdress the letter to the chief executive of ${bouncing.name}` });
    const address = dialog.getByLabel('New address');
    await poll(() => address.evaluate((field) => field === field.ownerDocument.activeElement)).toBe(true);
    await address.fill('not an address');
    await dialog.getByRole('button', { name: 'Readdress and send' }).click();
    await poll(() => dialog.locator('#readdress-error').textContent()).toBe('Not readdressed: bad email: must be one email address');
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    expect(await address.evaluate((field) => field === field.ownerDocument.activeElement)).toBe(true);

    // A reason, when typed, goes with the address.
    const newEmail = `new.chief@${bouncing.id}.example.org`;
    await address.fill(newEmail);
    await dialog.getByLabel('Reason').fill('the chief executive changed in June');
    const sent = page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith('/deliveries/ceo/readdress'));
    await dialog.getByRole('button', { name: 'Readdress and send' }).click();
    expect((await sent).postDataJSON()).toEqual({ email: newEmail, reason: 'the chief executive changed in June' });
    await poll(() => delivery.getAttribute('data-status')).toBe('sent');
    expect(await delivery.locator('.email').textContent()).toBe(newEmail);
    expect(await page.locator('#detail [data-message]').textContent()).toContain(`readdressed from ${oldEmail} to ${newEmail}`);
    await poll(() => page.locator('[data-total="k-bounced"] .value').textContent()).toBe('0');

    // Once, to the new address, as a new letter; the old address got only the first.
    const toNew = h.sink.received.filter((m) => m.envelopeTo.includes(newEmail));
    expect(toNew.map((m) => m.messageId)).toEqual([`<${CAMPAIGN}.${bouncing.id}.ceo.r1@example.org>`]);
    expect(h.sink.received.filter((m) => m.envelopeTo.includes(oldEmail))).toHaveLength(1);
    expect((await h.producer.ledger(CAMPAIGN).get(bouncing.id, 'ceo'))!.readdresses).toMatchObject([
      { by: OPERATOR.name, from: oldEmail, to: newEmail, status: 'bounced' },
    ]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('opens the queue UI and shows the letters queue', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(page);
    await page.goto(`${h.ui.url}/queues`);
    await page.locator('#bull-board-sidebar').getByText('letters', { exact: true }).waitFor();
    await page.locator('#bull-board-sidebar').getByText('letters', { exact: true }).click();
    await page.waitForURL(/\/queues\/queue\/letters/);
    await page.getByText(`${CAMPAIGN}-${refused.id}`).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'queues.png') });
    await page.close();
  }, 60_000);
});
