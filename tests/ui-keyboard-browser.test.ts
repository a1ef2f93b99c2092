/**
 * The console used the way people use it: by keyboard alone at a person's
 * pace (a key every 350 ms), with what a screen reader would be told, in a
 * real headless browser (Debian's chromium through playwright-core) over a
 * real pipeline (real workers, a real SMTP server). The page refreshes every
 * 300 ms here, so each test lives through many refreshes.
 */
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { createLogger } from '../src/logger.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { CircuitBreaker } from '../src/send/circuit-breaker.js';
import { BreakerStore } from '../src/storage/breaker-store.js';
import { RegistrationStore } from '../src/storage/registration-store.js';
import { approve } from './support/approve.js';
import { countRefreshes, KeyboardUser, launchChromium } from './support/browser.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import {
  fieldsWithoutVisibleLabel,
  focusStillMarked,
  lineCount,
  markFocused,
  scrollY,
  sidewaysOverflow,
  unreachableControls,
} from './support/in-page.js';
import { CAMPAIGN, OPERATOR, startUiHarness, type UiHarness } from './support/ui-harness.js';

const require = (await import('node:module')).createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const ALPHA = 'Alpha Metropolitan Borough Council';
const BETA = 'Beta District Council';
const GAMMA = 'Gamma County Council';
/** The relay's refusal of Beta's political head: long, as relays' answers are. */
const BETA_REPLY = "5.7.1 <leader@beta.example.org>: Relay access denied; the recipient's server does not accept mail from this sender";

let h: UiHarness;
let browser: Browser;
let registrations: RegistrationStore;

beforeAll(async () => {
  h = await startUiHarness('ui-keyboard', { env: { SEND_ATTEMPTS: '1' }, pollMs: 300 });
  h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 <mo1@alpha.example.org>: no such user here' });
  h.refuse.set('leader@beta.example.org', { code: 550, message: BETA_REPLY });
  // Thirty authorities: how far the details' buttons are must not depend on how many rows there are.
  const data = await writeDataSet(join(h.dir, 'data'), [
    { id: 'alpha', name: ALPHA, kind: 'metropolitan-borough', monitoringOfficers: ['mo1@alpha.example.org'] },
    { id: 'beta', name: BETA, kind: 'district-council' },
    { id: 'gamma', name: GAMMA, kind: 'county-council' },
    ...Array.from({ length: 27 }, (_, i) => ({ id: `council-${String(i + 1).padStart(2, '0')}` })),
  ]);
  await h.runApproved(data, 30);
  // Next year's campaign, scheduled after this year's was sent: the page must still open on this year's.
  const nextYear = join(h.dir, 'next-year');
  await cp(join(PACKAGE_ROOT, 'data', 'sample-2024-25'), nextYear, { recursive: true });
  await approve(h.config, nextYear);
  await scheduleCommand({ data: nextYear, by: 'Olivia' }, h.config, quietPrint);
  registrations = new RegistrationStore(h.producer.redis, h.prefix);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000, interval: 100 });
}

/** Signs in by keyboard, as a person does: the user name has the focus, then Tab, then Enter. */
async function signInByKeyboard(user: KeyboardUser, path = '/'): Promise<void> {
  await user.page.goto(`${h.ui.url}${path}`);
  await user.page.waitForURL(/\/login\?next=/);
  await user.arm();
  expect((await user.where()).aria).toBe('textbox "User name"');
  await user.type(OPERATOR.name);
  await user.press('Tab');
  await user.type(OPERATOR.password);
  await user.page.keyboard.press('Enter');
  await user.page.waitForURL(`${h.ui.url}${path}`);
}

/** Signs in by filling the form, for the tests that are not about the keyboard. */
async function signIn(page: Page, path = '/'): Promise<void> {
  await page.goto(`${h.ui.url}${path}`);
  await page.getByLabel('User name').fill(OPERATOR.name);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${h.ui.url}${path}`);
}

describe('the console by keyboard and screen reader', () => {
  it('signs in, searches, opens an authority, retries its refused letter and hears it sent, by keyboard alone, the focus never on the page body through many refreshes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    const refreshes = countRefreshes(page);
    await signInByKeyboard(user);
    await poll(() => page.locator('tr.row').count()).toBe(30);

    await user.tabTo((stop) => /^searchbox "Search authorities by name/.test(stop.aria), 20);
    await user.arm();
    await user.type('alpha');
    await poll(() => page.locator('tr.row').count()).toBe(1);
    await user.tabTo((stop) => stop.aria.includes(ALPHA), 3);

    // On the authority through several refreshes: the very same element keeps the focus.
    await page.evaluate(markFocused);
    await refreshes.passed(4);
    expect(await page.evaluate(focusStillMarked)).toBe(true);
    // Its name is a button, which a keyboard can press, named by the authority.
    expect(user.stops.at(-1)!.aria).toBe(`button "${ALPHA}"`);

    // Enter opens the details, which take the focus; Retry is a few Tabs away, whatever the rows.
    expect((await user.press('Enter')).aria).toBe(`heading "${ALPHA}" [level=2]`);
    expect(user.stops.at(-1)!.inDialog).toBe('detail-title');
    await poll(() => page.locator('#detail li[data-recipient="mo-1"]').getAttribute('data-status')).toBe('permanent-failure');
    const tabs = await user.tabTo((stop) => stop.aria === 'button "Retry monitoring officer 1"', 10);
    expect(tabs).toBeLessThanOrEqual(6);
    await page.evaluate(markFocused);
    await refreshes.passed(4);
    expect(await page.evaluate(focusStillMarked)).toBe(true);

    // The cause is fixed; the first Enter retries, whatever a refresh is doing meanwhile.
    h.refuse.delete('mo1@alpha.example.org');
    await user.press('Enter');
    await poll(async () => (await user.said()).join('\n')).toContain(`${ALPHA}: Monitoring officer 1: sent.`);
    expect((await user.said()).join('\n')).toContain('reset to queued; job 2023-24-alpha runs again and will send to mo-1');
    expect(await page.locator('#detail li[data-recipient="mo-1"] .chip').textContent()).toBe('✓ sent');
    expect(h.receivedFor('alpha/mo-1')).toBe(1);
    expect((await user.where()).onBody).toBe(false);

    // Escape closes the details and gives the focus back to the row it came from.
    expect((await user.press('Escape')).aria).toBe(`button "${ALPHA}"`);
    await refreshes.passed(3);
    expect(await user.lost()).toEqual([]);
    expect(user.stops.filter((stop) => !stop.onBody && !stop.ring).map((stop) => stop.aria)).toEqual([]);
    expect(user.nativeDialogs).toEqual([]);
    await page.close();
  }, 120_000);

  it("opens on this year's campaign though next year's was stored since, and its selector changes campaign only when Show is pressed", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    const refreshes = countRefreshes(page);
    await signIn(page);
    expect(await page.title()).toMatch(/^Campaign 2023-24 /);

    // Arrow keys on the selector only choose; nothing changes until Show.
    await user.tabTo((stop) => stop.aria.startsWith('combobox "Campaign"'), 3);
    await user.arm();
    await user.press('ArrowUp');
    expect(await page.locator('#campaign').inputValue()).toBe('2024-25');
    await refreshes.passed(3);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.title()).toMatch(/^Campaign 2023-24 /);
    expect(await user.lost()).toEqual([]);
    expect((await user.press('Tab')).aria).toBe('button "Show"');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?campaign=2024-25$/);
    expect(await page.title()).toMatch(/^Campaign 2024-25 /);
    await page.close();
  }, 60_000);

  it('opens the details with Space as with Enter without scrolling the page, and rings the letter frame that has the focus', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    const user = await KeyboardUser.on(page);
    await signIn(page, '/?q=beta');
    await poll(() => page.locator('tr.row').count()).toBe(1);
    await user.tabTo((stop) => stop.aria.includes(BETA), 20);
    await user.arm();
    const scrolled = await page.evaluate(scrollY);
    expect((await user.press('Space')).aria).toBe(`heading "${BETA}" [level=2]`);
    expect(await page.evaluate(scrollY)).toBe(scrolled);

    // The letter's frame, reached by Tab, shows that it has the focus.
    await poll(() => page.locator('#detail iframe').count()).toBe(1);
    await user.tabTo((stop) => stop.tag === 'iframe', 15);
    expect(user.stops.at(-1)!.ring).toBe(true);
    expect(await user.lost()).toEqual([]);
    await page.close();
  }, 60_000);

  it('says nothing through refreshes in which nothing changed, and one sentence naming the letter that did', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    const refreshes = countRefreshes(page);
    await signIn(page);
    await poll(() => page.locator('tr.row').count()).toBe(30);
    await refreshes.passed(8);
    expect(await user.said()).toEqual([]);

    // The council's server returns Gamma's letter to its chief executive, as the `bounces` process records it.
    const diagnostic = 'smtp; 550 5.1.1 <ceo@gamma.example.org>: Recipient address rejected: User unknown';
    expect((await h.producer.ledger(CAMPAIGN).bounce('gamma', 'ceo', { diagnostic, email: 'ceo@gamma.example.org' })).bounced).toBe(true);
    await poll(() => page.locator('tr.row[data-authority-id="gamma"] [data-recipient="ceo"]').getAttribute('data-status')).toBe('bounced');
    await refreshes.passed(12);
    const said = await user.said();
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^Since \\d\\d:\\d\\d:\\d\\d, 1 letter now bounced: ${GAMMA}, chief executive, bounced\\.$`));
    await page.close();
  }, 60_000);

  it('fits 1280 and 320 px wide without clipping: nothing scrolls sideways, every control is on the screen and uncovered, every field shows its label, and a reply reads as a sentence', async () => {
    for (const width of [1280, 320]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await signIn(page);
      await poll(() => page.locator('tr.row').count()).toBe(30);
      expect(await page.evaluate(sidewaysOverflow, null), `${width} px: the page scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await page.evaluate(unreachableControls, 'main, header'), `${width} px`).toEqual([]);
      expect(await page.evaluate(fieldsWithoutVisibleLabel), `${width} px`).toEqual([]);

      await page.locator('tr.row[data-authority-id="beta"] button').click();
      const reply = page.locator('#detail li[data-recipient="head"] .response');
      await poll(() => reply.textContent()).toBe(`550 ${BETA_REPLY}`);
      expect(await page.evaluate(sidewaysOverflow, '#detail'), `${width} px: the details scroll sideways`).toBeLessThanOrEqual(0);
      expect(await page.evaluate(unreachableControls, '#detail'), `${width} px`).toEqual([]);
      // At 1280 px the relay's answer wraps as a sentence does, not one word a line.
      if (width === 1280) expect(await reply.evaluate(lineCount)).toBeLessThanOrEqual(3);
      await page.close();
    }
  }, 90_000);

  it('has no violation axe-core can find on any page of the console, at 1280 and at 320 px wide', async () => {
    await registrations.confirm({
      authorityId: 'alpha',
      authorityName: ALPHA,
      name: 'Morgan Officer',
      email: 'morgan.officer@alpha.example.org',
      ceDomain: 'alpha.example.org',
      confirmedFrom: '192.0.2.10',
    });
    const checked = new Set<string>();
    for (const width of [1280, 320]) {
      // axe is injected as a script, which the page's own policy (its scripts only) would rightly block.
      const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 800 } });
      const page = await context.newPage();
      const states: Array<[string, () => Promise<void>]> = [
        ['sign in', () => page.goto(`${h.ui.url}/`).then(() => page.waitForURL(/\/login/))],
        ['campaign', () => signIn(page).then(() => poll(() => page.locator('tr.row').count()).toBe(30))],
        [
          'details',
          async () => {
            await page.locator('tr.row[data-authority-id="beta"] button').click();
            await poll(() => page.locator('#detail li[data-recipient="head"]').count()).toBe(1);
          },
        ],
        [
          'readdress',
          async () => {
            await page.locator('#detail [data-action="readdress"]:visible').click();
            await page.getByRole('dialog', { name: /^Readdress/ }).waitFor();
          },
        ],
        [
          'confirmation',
          async () => {
            await page.goto(`${h.ui.url}/`);
            await page.locator('[data-action="retry-deliveries"]').click();
            await page.getByRole('dialog', { name: /^Retry \d+ failed deliver/ }).waitFor();
          },
        ],
        ['registrations', () => page.goto(`${h.ui.url}/registrations`).then(() => page.getByText('Morgan Officer').waitFor())],
        ['sign out', () => page.goto(`${h.ui.url}/logout`).then(() => page.getByRole('heading', { name: 'Sign out?' }).waitFor())],
      ];
      for (const [state, reach] of states) {
        await reach();
        await page.addScriptTag({ content: AXE_SOURCE });
        const run = await page.evaluate(async () => {
          type Rules = Array<{ id: string; nodes: Array<{ target: unknown }> }>;
          const { axe } = globalThis as unknown as { axe: { run(): Promise<{ violations: Rules; passes: Rules }> } };
          const result = await axe.run();
          return {
            violations: result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target) })),
            passes: result.passes.map((r) => r.id),
          };
        });
        expect(run.violations, `${state} at ${width} px`).toEqual([]);
        for (const id of run.passes) checked.add(id);
      }
      await context.close();
    }
    console.log(
      `axe-core: 0 violations on 7 states of the console at 1280 and 320 px; ${checked.size} rules applied: ${[...checked].sort().join(', ')}`,
    );
  }, 120_000);

  it('names every control in the accessibility tree, outlines each page with one h1 and no heading level skipped, and skips to the content from the first Tab', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    await signIn(page);
    await poll(() => page.locator('tr.row').count()).toBe(30);
    expect((await user.press('Tab')).aria).toBe('link "Skip to the authorities"');
    expect((await user.press('Enter')).aria).toBe('heading "Authorities" [level=2]');
    expect((await user.press('Tab')).aria).toBe('searchbox "Search authorities by name or id"');
    const pageTree = await page.locator('body').ariaSnapshot();
    expect(unnamedControls(pageTree)).toEqual([]);
    expect(headingOutline(pageTree).filter((line) => line.startsWith('1 '))).toHaveLength(1);
    expect(skippedLevels(headingOutline(pageTree))).toEqual([]);
    expect(headingOutline(pageTree)).toEqual([
      '1 Campaign 2023-24 reporting year 2023-24',
      '2 Totals',
      '2 Relay and recovery',
      '2 Authorities',
    ]);

    await page.locator('tr.row[data-authority-id="alpha"] button').click();
    await poll(() => page.locator('#detail li.delivery').count()).toBe(3);
    const details = await page.locator('#detail').ariaSnapshot();
    expect(unnamedControls(details)).toEqual([]);
    expect(skippedLevels(headingOutline(details))).toEqual([]);
    expect(headingOutline(details)).toEqual([
      `2 ${ALPHA}`,
      '3 Letter job',
      '3 Deliveries',
      '4 Chief executive · Ms Alex Chief-alpha',
      '4 Political head · Cllr Leader of alpha',
      '4 Monitoring officer 1 · Officer 1',
      '3 Letter as sent to chief executive',
      '3 Job log (newest first)',
    ]);
    expect(await page.locator('#detail iframe').getAttribute('title')).toBe('Letter to chief executive');

    await page.goto(`${h.ui.url}/registrations`);
    expect((await user.press('Tab')).aria).toBe('link "Skip to the registrations"');
    expect((await user.press('Enter')).aria).toBe('heading "Monitoring officers\' registrations" [level=1]');
    const registrationsTree = await page.locator('body').ariaSnapshot();
    expect(unnamedControls(registrationsTree)).toEqual([]);
    expect(skippedLevels(headingOutline(registrationsTree))).toEqual([]);
    expect(headingOutline(registrationsTree)).toEqual(["1 Monitoring officers' registrations"]);
    await page.close();
  }, 60_000);

  it('approves a registration by keyboard alone, and the page comes back with the focus on what was done, not on the page body', async () => {
    const waiting = await registrations.confirm({
      authorityId: 'beta',
      authorityName: BETA,
      name: 'Robin Officer',
      email: 'robin.officer@beta.example.org',
      ceDomain: 'beta.example.org',
      confirmedFrom: '192.0.2.11',
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    await signInByKeyboard(user, '/registrations');
    await user.press('Tab');
    await user.arm();
    await user.tabTo((stop) => stop.aria === `button "Approve Robin Officer, ${BETA}"`, 12);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/registrations\?(?:page=\d+&)?done=/);
    // The browser gives the autofocus a moment after the page has loaded.
    await poll(async () => (await user.where()).aria).toBe('status');
    await user.arm();
    const back = await user.where();
    expect(await page.locator('*:focus').textContent()).toBe(`approved: ${waiting.id}`);
    expect(back.ring).toBe(true);
    expect(await page.locator(`tr[data-id="${waiting.id}"] .status`).textContent()).toBe('approved');
    expect((await user.press('Tab')).onBody).toBe(false);
    expect(await user.lost()).toEqual([]);
    expect(await registrations.get(waiting.id)).toMatchObject({ status: 'approved', decidedBy: OPERATOR.name });
    await page.close();
  }, 90_000);

  it("says what is true of the run: finished with the letters not sent, paused by the breaker with the relay's answer, cancelled by whom and when", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const user = await KeyboardUser.on(page);
    await signIn(page);
    const state = page.locator('#run-state');
    await poll(() => state.textContent()).toMatch(/^Finished; \d+ letters? not sent$/);
    expect(await state.getAttribute('data-state')).toBe('finished');

    // The relay refuses three times: the breaker holds the queue, and a letter retried meanwhile waits.
    const breaker = new CircuitBreaker({
      store: new BreakerStore(h.producer.redis, h.prefix),
      threshold: 3,
      cooldownMs: 600_000,
      who: 'test-worker',
      queue: h.producer.letters,
      log: createLogger({ level: 'silent' }),
    });
    await breaker.record(['transient', 'transient', 'transient'], '421 4.3.2 service not available');
    const operator = await h.signedIn(OPERATOR);
    expect((await operator.post(`/api/campaigns/${CAMPAIGN}/authorities/beta/deliveries/head/retry`)).status).toBe(200);
    await poll(() => state.getAttribute('data-state')).toBe('paused');
    expect(await state.textContent()).toMatch(
      /^Paused: relay circuit breaker open since \d\d:\d\d:\d\d: sending paused; the relay's last answer: 421 4\.3\.2 service not available; next try at \d\d:\d\d:\d\d$/,
    );
    await poll(async () => (await user.said()).join('\n')).toMatch(/The run is now paused: relay circuit breaker open/);

    // Cancelled from the page, through its own dialog: it says by whom and when.
    await page.locator('[data-action="cancel-run"]').click();
    const dialog = page.getByRole('dialog', { name: `Cancel the run of campaign ${CAMPAIGN}?` });
    await dialog.waitFor();
    expect(await dialog.locator('#confirm-summary').textContent()).toMatch(
      /^\d+ letters? not sent yet, to \d+ authorit(y|ies)\. The run is paused: /,
    );
    expect(await dialog.locator('#confirm-rows li').allTextContents()).toContain(`${BETA}: Political head queued`);
    await dialog.getByRole('button', { name: 'Cancel the run' }).click();
    await poll(() => state.getAttribute('data-state')).toBe('cancelled');
    expect(await state.textContent()).toMatch(/^Cancelled by olivia at \d\d:\d\d:\d\d; \d+ letters? not sent$/);
    expect(user.nativeDialogs).toEqual([]);
    await h.producer.letters.resume();
    await page.close();
  }, 60_000);
});

/** Lines of an aria snapshot for a control with no accessible name (`- button` rather than `- button "Close"`). */
function unnamedControls(tree: string): string[] {
  return tree
    .split('\n')
    .map((line) => line.trim())
    .filter((line) =>
      /^- (button|link|textbox|searchbox|combobox|checkbox|radio|switch|slider|spinbutton|tab|menuitem|option)\b(?! ")/.test(line),
    );
}

/** Headings that go more than one level deeper than the heading before them. */
function skippedLevels(outline: string[]): string[] {
  return outline.filter((line, i) => i > 0 && Number(line[0]) > Number(outline[i - 1]![0]) + 1);
}

/** Every heading of an aria snapshot as "<level> <name>", in order. */
function headingOutline(tree: string): string[] {
  return [...tree.matchAll(/- heading "([^"]*)" \[level=(\d)\]/g)].map((m) => `${m[2]} ${m[1]}`);
}
