/**
 * Sign-in is limited per account as well as per client address: guessing
 * one operator's password from many addresses (a botnet, or one client that
 * can choose its X-Forwarded-For behind a proxy) stops at the account's
 * limit, while the other accounts sign in as usual. Real Redis, the real
 * console behind UI_TRUST_PROXY.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR, startUiHarness, type UiHarness, VIEWER } from './support/ui-harness.js';

let h: UiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the per-account sign-in limit', () => {
  it('refuses every sign-in to an account guessed at from many addresses, even the right password, and leaves other accounts alone', async () => {
    h = await startUiHarness('ui-account-limit', {
      env: { UI_TRUST_PROXY: '1' },
      loginLimit: { windowMs: 60_000, limit: 3, perAccount: 5 },
    });
    const from = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });
    // Five addresses, one wrong guess each (any case of the name): each address is far from its own limit.
    for (let i = 0; i < 5; i++) {
      const name = i % 2 === 0 ? OPERATOR.name : OPERATOR.name.toUpperCase();
      expect((await h.client().login(name, `guess-${i}`, from(i))).status).toBe(401);
    }
    const blocked = await h.client().login(OPERATOR.name, OPERATOR.password, from(100));
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many failed sign-ins for this account');
    // Another account, from an address the guesser used, is not affected.
    expect((await h.client().login(VIEWER.name, VIEWER.password, from(1))).status).toBe(303);
    expect(h.uiLog.join('')).toMatch(/"event":"ui.login-rate-limited","scope":"account","user":"olivia"/);
    // What reaches Redis is the name's hash, never the name as typed (it may be a password pasted in the wrong box).
    const keys = await h.producer.redis.keys(`${h.prefix}:ui:login-account-limit:*`);
    const hash = (name: string) => `${h!.prefix}:ui:login-account-limit:${createHash('sha256').update(name).digest('hex')}`;
    expect(keys.sort()).toEqual([hash('olivia'), hash('victor')].sort());
  });
});
