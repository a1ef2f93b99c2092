/**
 * The register server refuses what it must: bad input, robots, forged,
 * expired and reused links, too many requests; and it never tells anyone
 * whether an address is registered. Real Redis, a real SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LINK_LIFETIME_MS, LinkSigner } from '../src/register/link-token.js';
import { postForm, REGISTER_SECRET, type RegisterHarness, startRegisterHarness, tokenOf } from './support/register-harness.js';

const BARNSLEY = 'Barnsley Metropolitan Borough Council';
const form = (email: string, extra: Record<string, string> = {}) => ({
  authority: BARNSLEY,
  'full-name': 'Morgan Officer',
  email,
  ...extra,
});
/** A page without its per-response nonce, to compare two answers. */
const withoutNonce = (html: string) => html.replace(/nonce="[^"]+"/g, '');

let h: RegisterHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('register server refusals', () => {
  it('shows every problem with bad input beside its field, and sends nothing', async () => {
    h = await startRegisterHarness('reg-input');
    const empty = await postForm(h.url, '/register', { authority: '', 'full-name': '', email: '' });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('There is a problem');
    expect(empty.html).toContain('<a href="#authority">Enter the name of your authority</a>');
    expect(empty.html).toContain('aria-describedby="authority-hint authority-error" aria-invalid="true"');
    expect(empty.html).toContain('aria-describedby="full-name-error" aria-invalid="true"');
    expect(empty.html).toContain('Enter your work email address');

    const bad = await postForm(h.url, '/register', {
      authority: 'Atlantis Council',
      'full-name': 'x'.repeat(101),
      email: 'not-an-address',
    });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Choose your authority from the list');
    expect(bad.html).toContain('Full name must be 100 characters or fewer');
    expect(bad.html).toContain('Enter an email address in the correct format');
    // What was typed comes back escaped, never as markup.
    const script = await postForm(h.url, '/register', { authority: BARNSLEY, 'full-name': '<script>alert(1)</script>', email: 'a@b' });
    expect(script.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(script.html).not.toContain('<script>alert');

    const oversized = await postForm(h.url, '/register', form('big@barnsley.example.org', { 'full-name': 'y'.repeat(5000) }));
    expect(oversized.status).toBe(413);
    expect(await h.sent()).toHaveLength(0);
  });

  it('tells a robot that fills the hidden field what it tells a person, and emails nobody', async () => {
    h = await startRegisterHarness('reg-honeypot');
    const robot = await postForm(h.url, '/register', form('robot@barnsley.example.org', { website: 'http://spam.example' }));
    const person = await postForm(h.url, '/register', form('person@barnsley.example.org'));
    expect(robot.status).toBe(200);
    expect(withoutNonce(robot.html)).toBe(withoutNonce(person.html));
    expect((await h.sent()).map((m) => m.envelopeTo)).toEqual([['person@barnsley.example.org']]);
    expect(h.log.join('')).toContain('register.honeypot');
  });

  it('refuses a forged link, a link for another purpose, an expired link and a link used before', async () => {
    h = await startRegisterHarness('reg-links');
    await postForm(h.url, '/register', form('morgan@barnsley.example.org'));
    const token = tokenOf(await h.linkFor('morgan@barnsley.example.org', '/confirm'));

    const [body, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const rewritten = Buffer.from(JSON.stringify({ ...claims, email: 'attacker@evil.example' })).toString('base64url');
    const otherSecret = new LinkSigner('another-secret-0123456789abcdef-xyz').sign({
      purpose: 'confirm',
      authorityId: 'barnsley',
      name: 'X',
      email: 'x@evil.example',
    });
    for (const forged of [`${rewritten}.${signature}`, otherSecret, `${token}x`, 'garbage']) {
      const res = await postForm(h.url, '/confirm', { token: forged });
      expect(res.status, forged).toBe(400);
      expect(res.html).toContain('This link is not valid');
    }
    const withdrawToken = h.signer.sign({ purpose: 'withdraw', email: 'morgan@barnsley.example.org' });
    expect((await postForm(h.url, '/confirm', { token: withdrawToken })).status).toBe(400);

    const expired = h.signer.sign(
      { purpose: 'confirm', authorityId: 'barnsley', name: 'Late', email: 'late@barnsley.example.org' },
      Date.now() - LINK_LIFETIME_MS - 1000,
    );
    const late = await postForm(h.url, '/confirm', { token: expired });
    expect(late.status).toBe(410);
    expect(late.html).toContain('This link has expired');
    const lateGet = await fetch(`${h.url}/confirm?token=${encodeURIComponent(expired)}`);
    expect(lateGet.status).toBe(410);

    expect((await postForm(h.url, '/confirm', { token })).status).toBe(200);
    const again = await postForm(h.url, '/confirm', { token });
    expect(again.status).toBe(410);
    expect(again.html).toContain('This link has already been used');
    expect(await h.store.list()).toHaveLength(1);
    expect((await h.store.list())[0]).toMatchObject({ email: 'morgan@barnsley.example.org', status: 'confirmed', authorityId: 'barnsley' });
    expect(new LinkSigner(REGISTER_SECRET).verify(token).ok).toBe(true);
  });

  it('emails one address at most once an hour, and says the same as the first time', async () => {
    h = await startRegisterHarness('reg-hourly');
    const first = await postForm(h.url, '/register', form('once@barnsley.example.org'));
    const second = await postForm(h.url, '/register', form('ONCE@barnsley.example.org', { authority: 'City of York Council' }));
    expect(second.status).toBe(200);
    expect(withoutNonce(second.html)).toBe(withoutNonce(first.html));
    expect(await h.sent()).toHaveLength(1);
    expect(h.log.join('')).toContain('register.mail-held');
  });

  it('limits form posts per client and per address, counted in Redis', async () => {
    h = await startRegisterHarness('reg-limits', { limits: { perClient: 3, perAddress: 2, mailIntervalMs: 1 } });
    expect((await postForm(h.url, '/register', form('a@barnsley.example.org'))).status).toBe(200);
    expect((await postForm(h.url, '/register', form('a@barnsley.example.org'))).status).toBe(200);
    // The client's third post is its last; the address had its two already.
    const third = await postForm(h.url, '/register', form('A@barnsley.example.org'));
    expect(third.status).toBe(429);
    expect(third.html).toContain('too many requests');
    const fourth = await postForm(h.url, '/register', form('b@barnsley.example.org'));
    expect(fourth.status).toBe(429);
    const keys = await h.redis.keys(`${h.prefix}:register:limit:*`);
    // One counter for the client, one for the address (any case); "b@" never got past its client's limit.
    expect(keys.map((k) => k.slice(`${h!.prefix}:register:limit:`.length).replace(/^client:.*/, 'client')).sort()).toEqual([
      'address:a@barnsley.example.org',
      'client',
    ]);
  });

  it('answers a withdrawal the same whether or not the address is registered, and mails only a registered one', async () => {
    h = await startRegisterHarness('reg-withdraw');
    await h.store.confirm({
      authorityId: 'york',
      authorityName: 'City of York Council',
      name: 'Robin',
      email: 'robin@york.example.org',
      ceDomain: 'york.example.org',
      confirmedFrom: 'test',
    });
    const registered = await postForm(h.url, '/withdraw', { email: 'robin@york.example.org' });
    const stranger = await postForm(h.url, '/withdraw', { email: 'nobody@york.example.org' });
    expect(registered.status).toBe(200);
    expect(withoutNonce(stranger.html)).toBe(withoutNonce(registered.html));
    expect((await h.sent()).map((m) => m.envelopeTo)).toEqual([['robin@york.example.org']]);

    const bad = await postForm(h.url, '/withdraw', { email: 'robin at york' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('aria-describedby="email-error"');

    const link = await h.linkFor('robin@york.example.org', '/withdraw/confirm');
    expect((await postForm(h.url, '/withdraw/confirm', { token: tokenOf(link) })).status).toBe(200);
    expect((await h.store.list())[0]).toMatchObject({ status: 'withdrawn' });
    expect((await postForm(h.url, '/withdraw/confirm', { token: tokenOf(link) })).status).toBe(410);
  });
});
