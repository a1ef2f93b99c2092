/**
 * The console under the probes of issue 17, on the real Redis: anonymous
 * visitors, sessions that outlive a change of settings or run for ever,
 * bad request bodies, sign-in timing, a second ui process, and headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/ui/passwords.js';
import type { UiUser } from '../src/ui/users.js';
import { OPERATOR, startUiHarness, type UiClient, type UiHarness, VIEWER } from './support/ui-harness.js';

let h: UiHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function sessionKeys(harness: UiHarness): Promise<string[]> {
  return harness.producer.redis.keys(`${harness.prefix}:ui:session:*`);
}

/** The login form's hidden CSRF field, as a browser would submit it. */
async function loginCsrf(client: UiClient): Promise<string> {
  const html = await (await client.get('/login')).text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the login form has no CSRF field');
  return token;
}

/** The lines the ui logs while `act` runs. */
async function loggedDuring(harness: UiHarness, act: () => Promise<unknown>): Promise<string[]> {
  const before = harness.uiLog.length;
  await act();
  return harness.uiLog.slice(before);
}

describe('anonymous visitors', () => {
  it('store no session in Redis, however often they open the login and logout pages or fail to sign in', async () => {
    h = await startUiHarness('ui-anon-sessions');
    for (let i = 0; i < 20; i++) {
      const visitor = h.client();
      await visitor.get('/login');
      await visitor.get('/logout');
      await visitor.get('/');
    }
    const guesser = h.client();
    expect((await guesser.login(OPERATOR.name, 'a-wrong-password')).status).toBe(401);
    expect(await sessionKeys(h)).toEqual([]);

    // Signing in is still possible from the same form, and then there is exactly one session.
    expect((await guesser.login(OPERATOR.name, OPERATOR.password)).status).toBe(303);
    expect(await sessionKeys(h)).toHaveLength(1);
  });
});

describe('sessions', () => {
  it('lose the operator role as soon as the settings make the user read-only, and end when the user is removed', async () => {
    h = await startUiHarness('ui-role-change', { env: { UI_SESSION_SECRET: 'a-session-secret-of-32-characters!!' } });
    const operator = await h.signedIn(OPERATOR);
    const viewerToo = await h.signedIn(VIEWER);

    // The ui restarted with olivia made read-only and victor removed; both keep their old cookies.
    const viewerSecret = await hashPassword(VIEWER.password);
    const restarted = await h.startAnotherUi([{ name: OPERATOR.name, role: 'viewer', secret: await hashPassword(OPERATOR.password) }]);
    const demoted = operator.at(restarted.url);
    expect((await demoted.get('/')).status).toBe(200);
    expect((await demoted.put('/queues/api/queues/campaigns/pause')).status).toBe(403);
    expect(await h.producer.campaigns.isPaused()).toBe(false);
    const page = await (await demoted.get('/')).text();
    expect(page).toContain('olivia · read-only');

    const removed = viewerToo.at(restarted.url);
    expect((await removed.request('GET', '/api/campaigns', { headers: { accept: 'application/json' } })).status).toBe(401);
    expect(viewerSecret).toMatch(/^scrypt:/);
  });

  it('end after UI_SESSION_LIFETIME_MS even when the page keeps polling', async () => {
    h = await startUiHarness('ui-session-lifetime', { env: { UI_SESSION_LIFETIME_MS: '1500' } });
    const operator = await h.signedIn(OPERATOR);
    const statuses: number[] = [];
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      statuses.push((await operator.request('GET', '/api/campaigns', { headers: { accept: 'application/json' } })).status);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(401);
    // Once ended, it stays ended: the poll does not revive it.
    expect(statuses.slice(statuses.indexOf(401))).not.toContain(200);
    expect(await sessionKeys(h)).toEqual([]);
  });
});

describe('bad request bodies', () => {
  it('get 413 or 400 and one short log line without a stack, on the login form and on bull-board', async () => {
    h = await startUiHarness('ui-bodies', { loginLimit: { windowMs: 60_000, limit: 1000 } });
    const visitor = h.client();
    const csrf = await loginCsrf(visitor);

    const answers: number[] = [];
    const huge = await loggedDuring(h, async () => {
      const res = await visitor.request('POST', '/login', {
        form: { _csrf: csrf, username: OPERATOR.name, password: 'x'.repeat(200_000) },
      });
      answers.push(res.status);
    });
    const many = await loggedDuring(h, async () => {
      const form: Record<string, string> = { _csrf: csrf };
      for (let i = 0; i < 20_000; i++) form[`f${i}`] = '1';
      answers.push((await visitor.request('POST', '/login', { form })).status);
    });
    const operator = await h.signedIn(OPERATOR);
    const malformed = await loggedDuring(h, async () => {
      const res = await operator.request('PUT', '/queues/api/queues/letters/pause', {
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-xsrf-token': operator.csrf },
        body: '{"a":[[[[',
      });
      answers.push(res.status);
    });
    expect(answers).toEqual([413, 413, 400]);
    for (const lines of [huge, many, malformed]) {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/"event":"ui.bad-request"/);
      expect(lines[0]).not.toMatch(/stack|\n\s+at /);
      expect(lines[0]!.length).toBeLessThan(400);
    }
    expect(await h.producer.letters.isPaused()).toBe(false);
  });
});

describe('signing in', () => {
  it('takes the same work for an unknown name, a clear password and a hashed one', async () => {
    h = await startUiHarness('ui-login-timing', { loginLimit: { windowMs: 60_000, limit: 1000 } });
    const client = h.client();
    const csrf = await loginCsrf(client);
    const time = async (username: string): Promise<number> => {
      const started = performance.now();
      const res = await client.request('POST', '/login', { form: { _csrf: csrf, username, password: 'not-the-password' } });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    const samples: Record<string, number[]> = { unknown: [], clear: [], hashed: [] };
    for (let i = 0; i < 7; i++) {
      samples.unknown!.push(await time('nobody-at-all'));
      samples.clear!.push(await time(VIEWER.name)); // the viewer's password is stored in clear
      samples.hashed!.push(await time(OPERATOR.name)); // the operator's as a scrypt hash
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const medians = Object.values(samples).map(median);
    // A scrypt check is tens of milliseconds; skipping it for some names is a difference of ten times or more.
    expect(Math.min(...medians) / Math.max(...medians), JSON.stringify(medians)).toBeGreaterThan(0.4);
  }, 60_000);

  it('counts wrong passwords in Redis, so that every ui process shares the limit', async () => {
    h = await startUiHarness('ui-shared-limit', { loginLimit: { windowMs: 60_000, limit: 3 } });
    const users: UiUser[] = [{ name: OPERATOR.name, role: 'operator', secret: OPERATOR.password }];
    const second = await h.startAnotherUi(users);
    const guesser = h.client();
    const elsewhere = guesser.at(second.url);
    expect((await guesser.login(OPERATOR.name, 'guess-1')).status).toBe(401);
    expect((await guesser.login(OPERATOR.name, 'guess-2')).status).toBe(401);
    expect((await elsewhere.login(OPERATOR.name, 'guess-3')).status).toBe(401);
    expect((await elsewhere.login(OPERATOR.name, OPERATOR.password)).status).toBe(429);
    expect((await guesser.login(OPERATOR.name, OPERATOR.password)).status).toBe(429);
  });
});

describe('headers', () => {
  it('answer JSON with no-store, show letters without remote images, and pin bull-board’s base URI', async () => {
    h = await startUiHarness('ui-headers');
    const anon = h.client();
    const unauthorized = await anon.request('GET', '/api/campaigns', { headers: { accept: 'application/json' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('cache-control')).toBe('no-store');

    const viewer = await h.signedIn(VIEWER);
    for (const path of ['/api/campaigns', '/queues/api/queues']) {
      const res = await viewer.request('GET', path, { headers: { accept: 'application/json' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    // The letter view's policy holds on every answer of that route, a 404 included.
    const letter = await viewer.request('GET', '/api/campaigns/2023-24/authorities/alpha/letters/ceo');
    const letterPolicy = letter.headers.get('content-security-policy') ?? '';
    expect(letterPolicy).toMatch(/^sandbox/);
    expect(letterPolicy).toMatch(/img-src data:;/);
    expect(letterPolicy).not.toMatch(/https:/);

    const board = await viewer.get('/queues');
    expect(board.status).toBe(200);
    expect(board.headers.get('content-security-policy')).toMatch(/base-uri 'self'/);
  });
});
