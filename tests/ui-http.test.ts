/**
 * The operators' console over HTTP, on the real Redis, a real SMTP server and
 * real workers: who gets in, who may change what, and what a retry sends.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { campaignTotals } from '../src/ledger/totals.js';
import { letterJobId } from '../src/schedule/queues.js';
import { type TestAuthority, writeDataSet } from './support/data-set.js';
import { CAMPAIGN, eventually, OPERATOR, startUiHarness, type UiHarness, VIEWER } from './support/ui-harness.js';

let h: UiHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ALPHA: TestAuthority = { id: 'alpha', name: 'Alpha Borough Council', monitoringOfficers: ['mo1@alpha.example.org'] };
const BETA: TestAuthority = { id: 'beta', name: 'Beta District Council', head: false };

/** Stores the campaign and fans it out, then waits until every letter job has finished. */
async function runCampaign(harness: UiHarness, authorities: TestAuthority[]): Promise<void> {
  await harness.runApproved(await writeDataSet(join(harness.dir, 'data'), authorities), authorities.length);
}

const api = (path: string) => `/api/campaigns/${CAMPAIGN}${path}`;
const ALPHA_JOB = letterJobId(CAMPAIGN, 'alpha');

describe('signing in', () => {
  it('sends a page to the login form and answers an API call with 401 when nobody is signed in', async () => {
    h = await startUiHarness('ui-anon');
    const anon = h.client();

    const page = await anon.get('/');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2F');
    expect((await anon.get('/queues')).status).toBe(303);

    for (const path of ['/api/campaigns', api('/summary'), '/queues/api/queues']) {
      const res = await anon.request('GET', path, { headers: { accept: 'application/json' } });
      expect(res.status, path).toBe(401);
    }
    const retry = await anon.request('PUT', `/queues/api/queues/letters/${ALPHA_JOB}/retry`, { headers: { accept: 'application/json' } });
    expect(retry.status).toBe(401);
  });

  it('lets the operator in with the right password, not with a wrong one, and never shows a secret', async () => {
    h = await startUiHarness('ui-login');
    await runCampaign(h, [BETA]);

    const wrong = await h.client().login(OPERATOR.name, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong user name or password.');
    expect((await h.client().login('nobody', OPERATOR.password)).status).toBe(401);

    const client = h.client();
    const right = await client.login(OPERATOR.name, OPERATOR.password);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/');
    const sessionCookie = right.headers.getSetCookie().find((c) => c.startsWith('arm.sid='));
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=Strict/);

    const page = await client.get('/');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Campaign ${CAMPAIGN}`);
    expect(html).toContain('olivia · operator');
    expect(html).not.toContain(OPERATOR.password);
    expect(html).not.toContain('scrypt:');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);

    const log = h.uiLog.join('');
    expect(log).toContain('"event":"ui.login-failed"');
    expect(log).toContain('"event":"ui.login","user":"olivia"');
    expect(log).not.toContain(OPERATOR.password);
    expect(log).not.toContain('not-the-password');
    expect(log).not.toContain('scrypt:');
  });

  it('refuses every sign-in from an address after too many wrong passwords, even a right one', async () => {
    h = await startUiHarness('ui-rate', { loginLimit: { windowMs: 60_000, limit: 3 } });
    const client = h.client();
    for (let i = 0; i < 3; i++) expect((await client.login(OPERATOR.name, `guess-${i}`)).status).toBe(401);
    const blocked = await client.login(OPERATOR.name, 'guess-4');
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many failed sign-ins');
    expect((await client.login(OPERATOR.name, OPERATOR.password)).status).toBe(429);
  });

  it('behind a reverse proxy (UI_TRUST_PROXY), counts wrong passwords per client, not per proxy', async () => {
    h = await startUiHarness('ui-proxy', { env: { UI_TRUST_PROXY: '1' }, loginLimit: { windowMs: 60_000, limit: 2 } });
    const guesser = h.client();
    const colleague = h.client();
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 2; i++) expect((await guesser.login(OPERATOR.name, `guess-${i}`, from('203.0.113.7'))).status).toBe(401);
    expect((await guesser.login(OPERATOR.name, 'guess-3', from('203.0.113.7'))).status).toBe(429);
    // Another client behind the same proxy still signs in.
    expect((await colleague.login(OPERATOR.name, OPERATOR.password, from('198.51.100.9'))).status).toBe(303);
  });
});

describe('changing state', () => {
  it('refuses a state-changing request without the CSRF token, on our API and on bull-board', async () => {
    h = await startUiHarness('ui-csrf');
    await runCampaign(h, [BETA]);
    const operator = await h.signedIn(OPERATOR);

    expect((await operator.post(api('/authorities/beta/retry'), { csrf: null })).status).toBe(403);
    expect((await operator.post(api('/authorities/beta/retry'), { csrf: 'forged-token' })).status).toBe(403);
    expect((await operator.put(`/queues/api/queues/letters/${letterJobId(CAMPAIGN, 'beta')}/retry`, { csrf: null })).status).toBe(403);
    expect((await operator.put('/queues/api/queues/letters/pause', { csrf: null })).status).toBe(403);
    const logout = await operator.request('POST', '/logout', { form: {} });
    expect(logout.status).toBe(403);

    expect(await h.jobState('beta')).toBe('completed');
    expect(await h.producer.letters.isPaused()).toBe(false);
    // With the token the same request goes through.
    expect((await operator.post(api('/authorities/beta/retry'))).status).toBe(200);
  });

  it('gives a read-only user 403 on every retry, ours and bull-board’s, while letting them see everything', async () => {
    h = await startUiHarness('ui-viewer');
    h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    await runCampaign(h, [ALPHA]);
    expect(await h.jobState('alpha')).toBe('failed');
    const viewer = await h.signedIn(VIEWER);

    expect((await viewer.get('/')).status).toBe(200);
    expect((await viewer.request('GET', api('/authorities/alpha'))).status).toBe(200);
    const board = await viewer.request('GET', '/queues/api/queues', { headers: { accept: 'application/json' } });
    expect(board.status).toBe(200);
    const queues = ((await board.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
    expect(queues.find((q) => q.name === 'letters')?.readOnlyMode).toBe(true);

    h.refuse.clear();
    const refused = [
      await viewer.post(api('/authorities/alpha/deliveries/mo-1/retry')),
      await viewer.post(api('/authorities/alpha/retry')),
      await viewer.post(api('/retry?expect=1')),
      await viewer.put(`/queues/api/queues/letters/${ALPHA_JOB}/retry`),
      await viewer.put('/queues/api/queues/letters/retry/failed'),
      await viewer.put('/queues/api/queues/letters/pause'),
      await viewer.put(`/queues/api/queues/letters/${ALPHA_JOB}/clean`),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);

    expect(await h.jobState('alpha')).toBe('failed');
    expect((await h.producer.ledger(CAMPAIGN).get('alpha', 'mo-1'))?.status).toBe('permanent-failure');
    expect(h.receivedFor('alpha/mo-1')).toBe(0);
  });
});

describe('retrying from the ui', () => {
  it('retries a failed job by sending only to the recipients not yet sent', async () => {
    h = await startUiHarness('ui-retry-failed', { env: { SEND_ATTEMPTS: '2' } });
    h.refuse.set('mo1@alpha.example.org', { code: 451, message: '4.3.0 mailbox busy, try later' });
    await runCampaign(h, [ALPHA]);
    expect(await h.jobState('alpha')).toBe('failed');
    expect((await h.producer.ledger(CAMPAIGN).get('alpha', 'mo-1'))?.status).toBe('temporary-failure');
    expect([h.receivedFor('alpha/ceo'), h.receivedFor('alpha/head'), h.receivedFor('alpha/mo-1')]).toEqual([1, 1, 0]);

    h.refuse.clear();
    const operator = await h.signedIn(OPERATOR);
    const res = await operator.post(api('/authorities/alpha/retry'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      action: 'retried-failed',
      jobId: ALPHA_JOB,
      willSend: ['mo-1'],
      message: `job ${ALPHA_JOB} runs again and will send to mo-1; ceo, head already sent`,
    });

    await eventually('the retried job to complete', async () => (await h!.jobState('alpha')) === 'completed');
    expect([h.receivedFor('alpha/ceo'), h.receivedFor('alpha/head'), h.receivedFor('alpha/mo-1')]).toEqual([1, 1, 1]);
    const logs = await h.jobLogs('alpha');
    expect(logs).toContain('retry requested by olivia; will send to mo-1');
    // What it did send, in the job log the drawer shows.
    expect(logs.at(-1)).toBe('ceo already-sent; head already-sent; mo-1 sent');
  });

  it('keeps a permanent failure through a plain retry, and sends it once after the operator retries that delivery', async () => {
    h = await startUiHarness('ui-retry-permanent');
    h.refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
    await runCampaign(h, [ALPHA]);
    expect(await h.jobState('alpha')).toBe('failed');
    h.refuse.clear();
    const operator = await h.signedIn(OPERATOR);

    // bull-board's own retry: the job runs again, but the ledger still says permanent-failure.
    expect((await operator.put(`/queues/api/queues/letters/${ALPHA_JOB}/retry`)).status).toBe(204);
    await eventually(
      'the job to fail again',
      async () => (await h!.jobState('alpha')) === 'failed' && (await h!.jobLogs('alpha')).length >= 2,
    );
    expect(h.receivedFor('alpha/mo-1')).toBe(0);
    expect((await h.jobLogs('alpha')).at(-1)).toMatch(/ceo already-sent; head already-sent; mo-1 permanent-failure \(.*550/);

    // The campaign page's Retry job owes nothing to anyone here: it says so, and runs nothing.
    const logsBefore = (await h.jobLogs('alpha')).length;
    const plain = await operator.post(api('/authorities/alpha/retry'));
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({
      action: 'nothing-to-send',
      jobId: ALPHA_JOB,
      willSend: [],
      message: `nothing to send, so job ${ALPHA_JOB} was not run again: ceo, head already sent; mo-1 stays a permanent failure (550 5.1.1 no such user; use Retry on that delivery once its cause is fixed)`,
    });
    expect(await h.jobState('alpha')).toBe('failed');
    expect((await h.jobLogs('alpha')).length).toBe(logsBefore);

    // The campaign page's Retry on that delivery: reset in the ledger, then the job again.
    const res = await operator.post(api('/authorities/alpha/deliveries/mo-1/retry'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ action: 'retried-failed' });
    await eventually('the job to complete', async () => (await h!.jobState('alpha')) === 'completed');
    expect([h.receivedFor('alpha/ceo'), h.receivedFor('alpha/head'), h.receivedFor('alpha/mo-1')]).toEqual([1, 1, 1]);
    expect((await h.producer.ledger(CAMPAIGN).get('alpha', 'mo-1'))?.status).toBe('sent');

    // A delivery that is not failed has nothing to retry.
    expect((await operator.post(api('/authorities/alpha/deliveries/ceo/retry'))).status).toBe(409);
  });

  it('does not run a completed job again when every recipient was sent, and says so', async () => {
    h = await startUiHarness('ui-retry-completed');
    await runCampaign(h, [ALPHA]);
    expect(await h.jobState('alpha')).toBe('completed');
    const before = h.sink.received.length;
    const operator = await h.signedIn(OPERATOR);

    const res = await operator.post(api('/authorities/alpha/retry'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      action: 'nothing-to-send',
      willSend: [],
      message: `nothing to send, so job ${ALPHA_JOB} was not run again: ceo, head, mo-1 already sent`,
    });
    expect(await h.jobState('alpha')).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.sink.received.length).toBe(before);
  });
});

describe('readdressing from the ui', () => {
  it('sends a bounced letter once to the corrected address; refuses a viewer, a missing CSRF token, a bad or disallowed address and a letter not bounced', async () => {
    h = await startUiHarness('ui-readdress', { env: { RECIPIENT_ALLOWLIST: 'alpha.example.org' } });
    await runCampaign(h, [ALPHA]);
    const ledger = h.producer.ledger(CAMPAIGN);
    expect(
      (await ledger.bounce('alpha', 'ceo', { diagnostic: 'smtp; 550 5.1.1 User unknown', email: 'ceo@alpha.example.org' })).bounced,
    ).toBe(true);
    const operator = await h.signedIn(OPERATOR);
    const viewer = await h.signedIn(VIEWER);
    const path = api('/authorities/alpha/deliveries/ceo/readdress');
    const to = (email: string) => ({ json: { email } });

    expect((await viewer.post(path, to('new.ceo@alpha.example.org'))).status).toBe(403);
    expect((await operator.post(path, { ...to('new.ceo@alpha.example.org'), csrf: null })).status).toBe(403);
    expect((await operator.post(path, to('not an address'))).status).toBe(400);
    const outside = await operator.post(path, to('ceo@elsewhere.example'));
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { message: string }).message).toBe(
      'ceo@elsewhere.example is not in RECIPIENT_ALLOWLIST; nothing changed',
    );
    expect((await operator.post(api('/authorities/alpha/deliveries/head/readdress'), to('new.head@alpha.example.org'))).status).toBe(409);
    expect(await ledger.get('alpha', 'ceo')).toMatchObject({ status: 'bounced', email: 'ceo@alpha.example.org' });

    const res = await operator.post(path, to('new.ceo@alpha.example.org'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      action: 'readdressed',
      from: 'ceo@alpha.example.org',
      email: 'new.ceo@alpha.example.org',
      messageId: '<2023-24.alpha.ceo.r1@example.org>',
    });
    await eventually('the readdressed letter to be sent', async () => (await ledger.get('alpha', 'ceo'))?.status === 'sent');
    expect(h.sink.received.filter((m) => m.envelopeTo.includes('new.ceo@alpha.example.org')).map((m) => m.messageId)).toEqual([
      '<2023-24.alpha.ceo.r1@example.org>',
    ]);
    expect([h.receivedFor('alpha/ceo'), h.receivedFor('alpha/head'), h.receivedFor('alpha/mo-1')]).toEqual([2, 1, 1]);
    expect((await ledger.get('alpha', 'ceo'))!.readdresses).toMatchObject([
      { by: OPERATOR.name, from: 'ceo@alpha.example.org', to: 'new.ceo@alpha.example.org' },
    ]);
    // Done once: the delivery is sent now, so a second readdress is refused.
    expect((await operator.post(path, to('newer.ceo@alpha.example.org'))).status).toBe(409);
  });
});

describe('the campaign API', () => {
  it('reports the same totals as the ledger, and filters, searches and pages the authorities', async () => {
    h = await startUiHarness('ui-api');
    h.refuse.set('ceo@beta.example.org', { code: 550, message: '5.1.1 no such user' });
    await runCampaign(h, [ALPHA, BETA, { id: 'gamma', name: 'Gamma Fire Authority', kind: 'fire-and-rescue' }]);
    const viewer = await h.signedIn(VIEWER);
    const json = async <T>(path: string): Promise<T> => (await (await viewer.request('GET', path)).json()) as T;

    const summary = await json<{ totals: unknown; running: boolean }>(api('/summary'));
    expect(summary.totals).toEqual(await campaignTotals(h.producer.ledger(CAMPAIGN), 3));
    expect(summary.totals).toMatchObject({ authorities: 3, deliveries: 6, sent: 5, permanentFailures: 1 });
    expect(summary.running).toBe(false);

    type Page = { matched: number; total: number; rows: Array<{ id: string; deliveries: Array<{ recipient: string; status: string }> }> };
    expect((await json<Page>(api('/authorities'))).rows.map((r) => r.id)).toEqual(['alpha', 'beta', 'gamma']);
    const failed = await json<Page>(api('/authorities?status=failed'));
    expect(failed.rows.map((r) => r.id)).toEqual(['beta']);
    expect(failed.rows[0]!.deliveries).toEqual([{ recipient: 'ceo', role: 'ceo', status: 'permanent-failure', attempts: 1 }]);
    expect((await json<Page>(api('/authorities?q=fire'))).rows.map((r) => r.id)).toEqual(['gamma']);
    const paged = await json<Page>(api('/authorities?offset=1&limit=1'));
    expect(paged).toMatchObject({ matched: 3, total: 3 });
    expect(paged.rows.map((r) => r.id)).toEqual(['beta']);
    expect((await viewer.request('GET', api('/authorities?status=nonsense'))).status).toBe(400);

    const detail = await json<{ job: { state: string }; deliveries: Array<{ status: string; response: string }> }>(
      api('/authorities/beta'),
    );
    expect(detail.job.state).toBe('failed');
    expect(detail.deliveries[0]).toMatchObject({ status: 'permanent-failure' });
    expect(detail.deliveries[0]!.response).toMatch(/550/);

    const letter = await viewer.request('GET', api('/authorities/alpha/letters/head'));
    expect(letter.status).toBe(200);
    expect(letter.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(await letter.text()).toContain('Alpha Borough Council');
    expect((await json<{ campaigns: Array<{ id: string }> }>('/api/campaigns')).campaigns.map((c) => c.id)).toEqual([CAMPAIGN]);
  });
});
