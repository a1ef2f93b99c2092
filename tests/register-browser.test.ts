/**
 * A monitoring officer registers in a real browser (Debian's chromium through
 * playwright-core), confirms from the email, an operator approves in the
 * console, the export adds them to monitoring-officers.csv and the next run
 * sends them a copy; then they withdraw and the next export drops them.
 * axe-core checks the register page on the way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRegistrationsCommand } from '../src/cli/commands/registrations.js';
import { launchChromium } from './support/browser.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { type RegisterHarness, startRegisterHarness } from './support/register-harness.js';
import { OPERATOR, startUiHarness, type UiHarness, VIEWER } from './support/ui-harness.js';

const require = (await import('node:module')).createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const OFFICER = { name: 'Morgan Officer', email: 'morgan.officer@barnsley.example.org' };

let ui: UiHarness;
let register: RegisterHarness;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  ui = await startUiHarness('reg-browser');
  dataDir = await writeDataSet(join(ui.dir, 'data'), [
    { id: 'barnsley', name: 'Barnsley Metropolitan Borough Council' },
    { id: 'york', name: 'City of York Council' },
  ]);
  register = await startRegisterHarness('reg-browser', { prefix: ui.prefix, dataDir });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await register?.close();
  await ui?.close();
});

async function signIn(page: Page, user: { name: string; password: string }): Promise<void> {
  await page.goto(`${ui.ui.url}/registrations`);
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${ui.ui.url}/registrations`);
}

const officersCsv = () => readFile(join(dataDir, 'monitoring-officers.csv'), 'utf8');

describe('a monitoring officer registers themselves', () => {
  it('has no accessibility violation axe-core can find on the form, empty or showing errors', async () => {
    // axe is injected as a script, which the page's own policy (no script at all) would rightly block.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const checked = new Set<string>();
    for (const state of ['empty', 'errors'] as const) {
      await page.goto(register.url);
      if (state === 'errors') {
        await page.getByRole('button', { name: 'Register' }).click();
        await expect.poll(() => page.title()).toMatch(/^Error: /);
      }
      await page.addScriptTag({ content: AXE_SOURCE });
      const results = await page.evaluate(async () => {
        type Rules = Array<{ id: string; nodes: unknown[] }>;
        const { axe } = globalThis as unknown as { axe: { run(): Promise<{ violations: Rules; passes: Rules; incomplete: Rules }> } };
        const run = await axe.run();
        return { violations: run.violations, passes: run.passes.map((r) => r.id), incomplete: run.incomplete.map((r) => r.id) };
      });
      expect(results.violations, JSON.stringify(results.violations, null, 2)).toEqual([]);
      for (const id of [...results.passes, ...results.incomplete]) checked.add(id);
      expect(results.passes.length).toBeGreaterThan(10);
    }
    console.log(
      `axe-core: 0 violations; ${checked.size} rules applied to the register page (empty and with errors): ${[...checked].sort().join(', ')}`,
    );
    await context.close();
  });

  it('registers from the keyboard, confirms by email, is approved in the console, exported, and sent the next letter', async () => {
    const page = await browser.newPage();
    await page.goto(register.url);
    // Keyboard only: the skip link, then the fields in order.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    await expect.poll(() => skip.evaluate((link) => link === link.ownerDocument.activeElement)).toBe(true);
    await page.getByLabel('Your authority').focus();
    await page.keyboard.type('Barnsley Metropolitan Borough Council');
    await page.keyboard.press('Tab');
    await page.keyboard.type(OFFICER.name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OFFICER.email);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    const link = await register.linkFor(OFFICER.email, '/confirm');
    await page.goto(link);
    await page.getByText('as Monitoring Officer of Barnsley Metropolitan Borough Council').waitFor();
    // Opening the link registers nothing: a mail scanner that follows it confirms no one.
    expect(await register.store.list()).toEqual([]);
    await page.getByRole('button', { name: 'Confirm registration' }).click();
    await page.getByRole('heading', { name: 'Registration confirmed' }).waitFor();
    const [confirmed] = await register.store.list();
    expect(confirmed).toMatchObject({
      status: 'confirmed',
      email: OFFICER.email,
      name: OFFICER.name,
      authorityId: 'barnsley',
      ceDomain: 'barnsley.example.org',
    });

    // A read-only user sees it, with no buttons.
    const viewer = await browser.newPage();
    await signIn(viewer, VIEWER);
    await viewer.getByText(OFFICER.email).waitFor();
    expect(await viewer.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    await viewer.close();

    const console_ = await browser.newPage();
    await signIn(console_, OPERATOR);
    const row = console_.locator(`tr[data-id="${confirmed!.id}"]`);
    await expect.poll(() => row.textContent()).toContain('✓ barnsley.example.org');
    await row.getByRole('button', { name: /Approve/ }).click();
    await console_
      .getByRole('status')
      .filter({ hasText: `approved: ${confirmed!.id}` })
      .waitFor();
    expect(await register.store.get(confirmed!.id)).toMatchObject({ status: 'approved', decidedBy: OPERATOR.name });
    await console_.close();

    await exportRegistrationsCommand({ data: dataDir }, ui.config, quietPrint);
    expect(await officersCsv()).toContain(`barnsley,${OFFICER.name},${OFFICER.email},yes`);
    // A second export adds nothing.
    await exportRegistrationsCommand({ data: dataDir }, ui.config, quietPrint);
    expect((await officersCsv()).split(OFFICER.email)).toHaveLength(2);

    await ui.runApproved(dataDir, 2);
    expect(ui.receivedFor('barnsley/mo-1')).toBe(1);
    expect(ui.sink.received.find((m) => m.letter === '2023-24/barnsley/mo-1')?.envelopeTo).toEqual([OFFICER.email]);
    await page.close();
  }, 120_000);

  it('withdraws from the page, and the next export marks them registered = no', async () => {
    // The confirmation email went less than an hour ago; the test lets the hour pass.
    await register.redis.del(`${register.prefix}:register:mailed:${OFFICER.email}`);
    const page = await browser.newPage();
    await page.goto(`${register.url}/withdraw`);
    await page.getByLabel('Email address').fill(OFFICER.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(await register.linkFor(OFFICER.email, '/withdraw/confirm'));
    await page.getByRole('button', { name: 'Stop receiving the letter' }).click();
    await page.getByRole('heading', { name: 'You will not receive the letter' }).waitFor();

    await exportRegistrationsCommand({ data: dataDir }, ui.config, quietPrint);
    expect(await officersCsv()).toContain(`barnsley,${OFFICER.name},${OFFICER.email},no`);
    expect((await officersCsv()).split(OFFICER.email)).toHaveLength(2);
    await page.close();
  }, 60_000);
});
