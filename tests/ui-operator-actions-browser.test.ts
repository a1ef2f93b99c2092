/**
 * The campaign page's relay and recovery panel in a real headless browser
 * (Debian's chromium through playwright-core), over a real pipeline: real
 * workers, a real SMTP server counting messages by Message-ID.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { createLogger } from '../src/logger.js';
import { removeAnnualScheduler, upsertAnnualScheduler } from '../src/schedule/annual-scheduler.js';
import { CircuitBreaker } from '../src/send/circuit-breaker.js';
import { BreakerStore } from '../src/storage/breaker-store.js';
import { launchChromium } from './support/browser.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { CAMPAIGN, OPERATOR, startUiHarness, type UiHarness, VIEWER } from './support/ui-harness.js';

let h: UiHarness;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  h = await startUiHarness('ui-actions', { env: { SEND_ATTEMPTS: '1' } });
  h.refuse.set('ceo@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
  h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
  h.refuse.set('leader@beta.example.org', { code: 550, message: '5.7.1 relaying denied' });
  h.refuse.set('ceo@gamma.example.org', { code: 451, message: '4.2.1 mailbox busy' });
  const data = await writeDataSet(join(h.dir, 'data'), [
    { id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org'] },
    { id: 'beta' },
    { id: 'gamma' },
  ]);
  await h.runApproved(data, 3);
  dataDir = data;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 15_000, interval: 100 });
}

async function signIn(user: { name: string; password: string }): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(h.ui.url);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${h.ui.url}/`);
  return page;
}

describe('the relay and recovery panel', () => {
  it('retries every permanent failure at once after its own dialog says how many and shows the first few, and sends each once', async () => {
    const page = await signIn(OPERATOR);
    await poll(() => page.locator('[data-total="k-perm"] .value').textContent()).toBe('3');
    h.refuse.clear();
    // The page asks in its own dialog, never the browser's confirm box.
    const browserDialogs: string[] = [];
    page.on('dialog', (dialog) => {
      browserDialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.getByLabel('Failures to retry').selectOption('permanent-failure');
    // Asked, and told no: nothing is reset.
    await page.locator('[data-action="retry-deliveries"]').click();
    const confirm = page.getByRole('dialog', { name: 'Retry 3 failed deliveries?' });
    await confirm.waitFor();
    expect(await confirm.locator('#confirm-summary').textContent()).toBe(
      '3 permanent failures and 0 temporary failures, at 2 authorities.',
    );
    expect(await confirm.locator('#confirm-rows li').allTextContents()).toContain(
      'alpha · mo-1 · mo1@alpha.example.org · permanent-failure (550 5.1.1 no such user)',
    );
    await confirm.getByRole('button', { name: 'Leave them as they are' }).click();
    await poll(() => page.locator('#message').textContent()).toBe('Nothing was reset');
    expect((await h.producer.ledger(CAMPAIGN).counts())['permanent-failure']).toBe(3);

    await page.locator('[data-action="retry-deliveries"]').click();
    await confirm.getByRole('button', { name: 'Reset and send 3 deliveries' }).click();
    await poll(() => page.locator('#message').textContent()).toMatch(/^reset 3 deliveries to queued; letter jobs: 2 run again/);
    expect(browserDialogs).toEqual([]);
    await poll(() => page.locator('[data-total="k-perm"] .value').textContent()).toBe('0');
    await poll(() => page.locator('[data-total="k-sent"] .value').textContent()).toBe('6');

    // At the SMTP server: every Message-ID once; the temporary failure was not in the selection.
    expect([...h.sink.countsByMessageId().values()].every((n) => n === 1)).toBe(true);
    expect(h.sink.received).toHaveLength(6);
    expect((await h.producer.ledger(CAMPAIGN).get('beta', 'head'))?.retriedBy).toBe(OPERATOR.name);
    expect(await h.producer.ledger(CAMPAIGN).get('gamma', 'ceo')).toMatchObject({ status: 'temporary-failure' });
    await page.close();
  }, 60_000);

  it("shows an open circuit breaker with the relay's last answer and next try, and an operator tries the relay now", async () => {
    const breaker = new CircuitBreaker({
      store: new BreakerStore(h.producer.redis, h.prefix),
      threshold: 3,
      cooldownMs: 600_000,
      who: 'test-worker',
      queue: h.producer.letters,
      log: createLogger({ level: 'silent' }),
    });
    await breaker.record(['transient', 'transient', 'transient'], '421 4.3.2 service not available');
    expect(await h.producer.letters.isPaused()).toBe(true);

    const viewer = await signIn(VIEWER);
    await poll(() => viewer.locator('#relay').getAttribute('data-relay-state')).toBe('open');
    expect(await viewer.locator('[data-action="try-relay"]').count()).toBe(0);
    expect(await viewer.locator('[data-action="retry-deliveries"]').count()).toBe(0);
    await viewer.close();

    const page = await signIn(OPERATOR);
    const relay = page.locator('#relay');
    await poll(() => relay.getAttribute('data-relay-state')).toBe('open');
    expect(await relay.textContent()).toMatch(
      /Relay circuit breaker open since \d\d:\d\d:\d\d: sending paused; the relay's last answer: 421 4\.3\.2 service not available; next try at \d\d:\d\d:\d\d/,
    );
    await page.locator('[data-action="try-relay"]').click();
    await poll(() => relay.getAttribute('data-relay-state')).toBe('closed');
    expect(await h.producer.letters.isPaused()).toBe(false);
    expect(await new BreakerStore(h.producer.redis, h.prefix).read()).toMatchObject({ state: 'closed', closedBy: 'operator' });
    await page.close();
  }, 60_000);

  it('Retry job says exactly whom it will send to, and the job log what it did send', async () => {
    const page = await signIn(OPERATOR);
    await page.getByLabel('Search authorities by name').fill('GAMMA');
    await page.locator('tr.row[data-authority-id="gamma"]').click();
    await poll(() => page.locator('#detail [data-job-state]').getAttribute('data-job-state')).toBe('failed');
    await page.locator('[data-action="retry-job"]').click();
    const message = page.locator('#detail [data-message]');
    await poll(() => message.textContent()).toBe('job 2023-24-gamma runs again and will send to ceo; head already sent');
    await poll(() => page.locator('#detail [data-job-state]').getAttribute('data-job-state')).toBe('completed');
    await poll(() => page.locator('#detail pre.log').textContent()).toContain('ceo sent; head already-sent');
    expect(h.receivedFor('gamma/ceo')).toBe(1);
    expect(h.receivedFor('gamma/head')).toBe(1);

    // Now nothing is owed: the button says so and runs nothing.
    await page.locator('[data-action="retry-job"]').click();
    await poll(() => message.textContent()).toBe('nothing to send, so job 2023-24-gamma was not run again: ceo, head already sent');
    expect(h.sink.received.filter((m) => m.letter.startsWith(`${CAMPAIGN}/gamma/`))).toHaveLength(2);
    await page.close();
  }, 60_000);

  it("shows the campaign's next scheduled run", async () => {
    const page = await signIn(VIEWER);
    await poll(() => page.locator('#schedule').textContent()).toBe('Not scheduled');
    await upsertAnnualScheduler(h.producer.campaigns, CAMPAIGN, '0 9 17 7 *');
    await poll(() => page.locator('#schedule').textContent()).toMatch(
      /^Next scheduled run: 17 July 20\d\d at 09:00 London time \(cron 0 9 17 7 \*\)$/,
    );
    await removeAnnualScheduler(h.producer.campaigns, CAMPAIGN);
    await page.close();
  }, 60_000);

  it("cancels a campaign's run from the page, leaving every other campaign's jobs as they were", async () => {
    // The test run of the same data, held in the queue (paused) so it is still waiting when cancelled.
    await h.producer.letters.pause();
    await runCommand({ data: dataDir, wait: false, testTo: 'proof@ombudsman.example.org' }, h.config, quietPrint);
    const testJobs = () => h.producer.letters.getJobs(['waiting', 'prioritized']);
    expect((await testJobs()).filter((j) => j.data.campaign === `${CAMPAIGN}~test`)).toHaveLength(3);
    const realJobs = await h.producer.letters.getJobCounts('completed', 'failed');

    const page = await signIn(OPERATOR);
    await page.goto(`${h.ui.url}/?campaign=${encodeURIComponent(`${CAMPAIGN}~test`)}`);
    await page.locator('[data-action="cancel-run"]').click();
    const confirm = page.getByRole('dialog', { name: `Cancel the run of campaign ${CAMPAIGN}~test?` });
    expect(await confirm.locator('#confirm-summary').textContent()).toMatch(
      /^\d+ letters? not sent yet, to \d+ authorit(y|ies)\. The run is /,
    );
    await confirm.getByRole('button', { name: 'Cancel the run' }).click();
    await poll(() => page.locator('#message').textContent()).toMatch(
      /^campaign 2023-24~test: removed 3 letter jobs not yet started; 0 running now/,
    );
    expect(await testJobs()).toHaveLength(0);
    expect(await h.producer.letters.getJobCounts('completed', 'failed')).toEqual(realJobs);

    await h.producer.letters.resume();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.sink.received.filter((m) => m.letter.startsWith(`${CAMPAIGN}~test/`))).toHaveLength(0);
    await page.close();
  }, 60_000);
});
