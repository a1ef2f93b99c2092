/**
 * The register server faces the internet: what an attacker tried on it, each
 * held here. Forged posts from another site, a flood of confirmations, names
 * that carry a link into an email from the Ombudsman's address, a withdrawal
 * form that told registered addresses apart by its timing and by reading
 * every registration, and a form that left something behind that never
 * expires. Real Redis (MONITOR shows what the server asked of it), a real
 * SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../src/demo/private-redis.js';
import { LINK_LIFETIME_MS } from '../src/register/link-token.js';
import type { MailProvider } from '../src/send/mail-provider.js';
import { monitorRedis } from './support/redis-monitor.js';
import { postForm, type RegisterHarness, startRegisterHarness, tokenOf } from './support/register-harness.js';

const BARNSLEY = 'Barnsley Metropolitan Borough Council';
const form = (email: string, name = 'Morgan Officer') => ({ authority: BARNSLEY, 'full-name': name, email });
const robin = {
  authorityId: 'york',
  authorityName: 'City of York Council',
  name: 'Robin',
  email: 'robin@york.example.org',
  ceDomain: 'york.example.org',
  confirmedFrom: 'test',
};

let h: RegisterHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await privateRedis?.destroy();
  privateRedis = undefined;
});

/** Every command the server sent Redis under the harness's prefix while `during` ran: name and arguments, as MONITOR shows them. */
async function commandsDuring(harness: RegisterHarness, url: string, during: () => Promise<void>): Promise<string[][]> {
  const monitor = await monitorRedis(url);
  const marker = `end-of-${harness.prefix}-${Math.random()}`;
  try {
    const from = monitor.commands.length;
    await during();
    // MONITOR shows commands in the order Redis ran them: once this one shows, the server's have.
    await harness.redis.echo(marker);
    await monitor.seen(marker);
    return (
      monitor.commands
        .slice(from)
        // Commands a Lua script makes inside Redis are the script's own: one command from the server either way.
        .filter((c) => c.source !== 'lua' && !c.args.includes(marker) && c.args.some((a) => a.includes(harness.prefix)))
        .map((c) => c.args)
    );
  } finally {
    monitor.stop();
  }
}

/** A private redis-server for the tests that watch it with MONITOR (the shared one carries every other test's traffic). */
let privateRedis: PrivateRedis | undefined;
async function watchedRedis(): Promise<string> {
  privateRedis = new PrivateRedis();
  return privateRedis.start();
}

describe('the register server under attack', () => {
  it('refuses a form or a link posted from another site, and stores and sends nothing', async () => {
    h = await startRegisterHarness('reg-origin');
    const evil = { origin: 'https://evil.example' };
    const attempts = [
      await postForm(h.url, '/register', form('victim@barnsley.example.org'), evil),
      await postForm(h.url, '/withdraw', { email: 'victim@barnsley.example.org' }, evil),
      await postForm(
        h.url,
        '/confirm',
        { token: h.signer.sign({ purpose: 'confirm', authorityId: 'barnsley', name: 'Morgan', email: 'm@barnsley.example.org' }) },
        evil,
      ),
      await postForm(h.url, '/withdraw/confirm', { token: h.signer.sign({ purpose: 'withdraw', email: 'm@barnsley.example.org' }) }, evil),
      // A sandboxed frame or a file: page posts with Origin "null": not ours either.
      await postForm(h.url, '/register', form('victim@barnsley.example.org'), { origin: 'null' }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    expect(attempts[0]!.html).toContain('This form was sent from another site');
    expect(await h.sent()).toEqual([]);
    expect(await h.store.list()).toEqual([]);
    expect(h.log.join('')).toContain('"event":"register.cross-site"');
    // From our own page (as a browser says it), and from a client that sends no Origin at all, the form works.
    expect((await postForm(h.url, '/register', form('m@barnsley.example.org'), { origin: new URL(h.url).origin })).status).toBe(200);
    expect((await postForm(h.url, '/register', form('n@barnsley.example.org'))).status).toBe(200);
    // Emails go at a random moment after their answers: in any order.
    expect((await h.sent()).map((m) => m.envelopeTo[0]).sort()).toEqual(['m@barnsley.example.org', 'n@barnsley.example.org']);
  });

  it('answers at most 10 confirmations an hour from one client, counted in Redis, and the rest 429', async () => {
    h = await startRegisterHarness('reg-confirm-flood');
    const answers: number[] = [];
    for (let i = 0; i < 50; i++) answers.push((await postForm(h.url, '/confirm', { token: `forged-${i}` })).status);
    expect(answers.filter((s) => s !== 429)).toHaveLength(10);
    expect(answers.slice(10).every((s) => s === 429)).toBe(true);
    // A withdrawal link counts against the same window.
    expect((await postForm(h.url, '/withdraw/confirm', { token: 'forged' })).status).toBe(429);
    expect(await h.redis.keys(`${h.prefix}:register:limit:confirm:*`)).toHaveLength(1);
  });

  it('refuses a name that is not letters, spaces, hyphens, apostrophes and full stops, and emails nobody', async () => {
    h = await startRegisterHarness('reg-names');
    const refused = [
      'ACTION NEEDED re-verify at https://evil.example/x',
      'ACTION NEEDED re-verify at evil.example',
      'Morgan <b>Officer</b>',
      'Morgan\u202eOfficer',
      'Morgan\u200bOfficer',
      'Morgan  Officer',
      '-Morgan',
      "'Morgan",
      'Morgan (Officer)',
      'Morgan 2',
      '=HYPERLINK("https://evil.example","x")',
    ];
    for (const name of refused) {
      const res = await postForm(h.url, '/register', form('m@barnsley.example.org', name));
      expect(res.status, name).toBe(400);
      expect(res.html, name).toContain('Full name can only include letters, spaces, hyphens, apostrophes and full stops');
    }
    expect(await h.sent()).toEqual([]);
    for (const [i, name] of [
      "Mary-Jane O'Neil",
      'J. R. Smith',
      'Zoë Ó Briain',
      'Łukasz Żółć',
      'Siân ap Dafydd',
      'Dr. A. N. Other',
    ].entries()) {
      expect((await postForm(h.url, '/register', form(`ok${i}@barnsley.example.org`, name))).status, name).toBe(200);
    }
    // Emails go at a random moment after their answers: in any order.
    expect((await h.mails()).map((m) => m.text.split('\n')[0]).sort()).toEqual(
      [
        "Dear Mary-Jane O'Neil,",
        'Dear J. R. Smith,',
        'Dear Zoë Ó Briain,',
        'Dear Łukasz Żółć,',
        'Dear Siân ap Dafydd,',
        'Dear Dr. A. N. Other,',
      ].sort(),
    );
  });

  it('refuses a confirmation link that carries a name the page would refuse now, storing nothing', async () => {
    h = await startRegisterHarness('reg-old-link');
    const token = h.signer.sign({
      purpose: 'confirm',
      authorityId: 'barnsley',
      name: 'Visit https://evil.example',
      email: 'm@barnsley.example.org',
    });
    const res = await postForm(h.url, '/confirm', { token });
    expect(res.status).toBe(400);
    expect(res.html).toContain('This link cannot be used');
    expect(await h.store.list()).toEqual([]);
  });

  it('withdraws by the address’s index: it never reads the other registrations', async () => {
    const url = await watchedRedis();
    h = await startRegisterHarness('reg-withdraw-index', { limits: { mailIntervalMs: 1 }, redisUrl: url });
    const others = [];
    for (let i = 0; i < 30; i++) others.push(await h.store.confirm({ ...robin, name: `Other ${i}`, email: `other${i}@york.example.org` }));
    const mine = await h.store.confirm(robin);
    // The first request of the process builds the indexes once (a marker then says they are built).
    await postForm(h.url, '/withdraw', { email: 'warm-up@york.example.org' });
    const commands = await commandsDuring(h, url, async () => {
      expect((await postForm(h!.url, '/withdraw', { email: robin.email })).status).toBe(200);
      const link = await h!.linkFor(robin.email, '/withdraw/confirm');
      expect((await postForm(h!.url, '/withdraw/confirm', { token: tokenOf(link) })).status).toBe(200);
    });
    const read = commands
      .filter(([name]) => /^(hgetall|zrange|zrevrange|scan|keys)$/i.test(name!))
      .map((args) => args.slice(0, 2).join(' '));
    expect(read, JSON.stringify(commands)).toEqual([`hgetall ${h.prefix}:register:registration:${mine.id}`]);
    expect((await h.store.get(mine.id))?.status).toBe('withdrawn');
    expect((await h.store.byIds(others.map((o) => o.id))).every((o) => o.status === 'confirmed')).toBe(true);
  });

  it('does the same work for a withdrawal whether or not the address is registered, and answers before any email goes', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sends: string[] = [];
    const holding = (real: MailProvider): MailProvider => ({
      async send(message) {
        sends.push(message.to.address);
        await held;
        return real.send(message);
      },
      close: () => real.close(),
    });
    const url = await watchedRedis();
    h = await startRegisterHarness('reg-withdraw-same', { provider: holding, redisUrl: url });
    try {
      await h.store.confirm(robin);
      await postForm(h.url, '/withdraw', { email: 'warm-up@york.example.org' });
      const shape = (commands: string[][]) => commands.map(([name, ...keys]) => [name!.toLowerCase(), keys.length].join(' '));
      let registered: { status: number; html: string } | undefined;
      const forRegistered = await commandsDuring(h, url, async () => {
        // The email is held at the relay: the answer comes back all the same.
        registered = await postForm(h!.url, '/withdraw', { email: robin.email });
      });
      let stranger: { status: number; html: string } | undefined;
      const forStranger = await commandsDuring(h, url, async () => {
        stranger = await postForm(h!.url, '/withdraw', { email: 'nobody@york.example.org' });
      });
      expect(registered!.status).toBe(200);
      expect(stranger!.html.replace(/nonce="[^"]+"/g, '')).toBe(registered!.html.replace(/nonce="[^"]+"/g, ''));
      expect(shape(forStranger)).toEqual(shape(forRegistered));
      expect(shape(forRegistered)).toContain('evalsha 5');
      // Answered, and the email still waits at the relay; let it go, and it arrives.
      expect(h.sink.received).toEqual([]);
      release();
      expect((await h.sent()).map((m) => m.envelopeTo)).toEqual([[robin.email]]);
      expect(sends).toEqual([robin.email]);
    } finally {
      // Never leave the email held: closing the server waits for it.
      release();
    }
  });

  it('leaves nothing behind that outlives a confirmation link: the form stores no registration, and an expired link stores none', async () => {
    h = await startRegisterHarness('reg-expiry');
    await postForm(h.url, '/register', form('unconfirmed@barnsley.example.org'));
    await postForm(h.url, '/withdraw', { email: 'unconfirmed@barnsley.example.org' });
    // Everything the register server keeps (the queues' own keys under the prefix are BullMQ's).
    const keys = await h.redis.keys(`${h.prefix}:register:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      // The indexes' marker says only that indexes exist; everything a visitor caused expires, within a link's lifetime.
      if (key.endsWith(':register:indexed')) continue;
      const ttl = await h.redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(LINK_LIFETIME_MS);
    }
    expect(await h.store.list()).toEqual([]);
    const expired = h.signer.sign(
      { purpose: 'confirm', authorityId: 'barnsley', name: 'Late Officer', email: 'unconfirmed@barnsley.example.org' },
      Date.now() - LINK_LIFETIME_MS - 1,
    );
    expect((await postForm(h.url, '/confirm', { token: expired })).status).toBe(410);
    expect(await h.store.list()).toEqual([]);
  });
});
