/**
 * Bounces end to end on the real Redis: letters leave with a signed VERP
 * envelope sender, and the `bounces` process's SMTP listener turns what comes
 * back into ledger changes (or into nothing, for forgeries and auto-replies).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { createLogger } from '../src/logger.js';
import { Ledger } from '../src/storage/ledger.js';
import { type BouncesProcess, startBouncesProcess } from '../workers/bounces-process.js';
import { approve } from './support/approve.js';
import { BOUNCE_SECRET, bounceFixture, fixtureMessageId, testVerp, verpFor } from './support/bounces.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
const BOUNCE_ENV = { BOUNCE_ADDRESS: 'bounces@ombudsman.example', BOUNCE_SECRET };
const cleanups: Array<() => Promise<void>> = [];
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the envelope sender', () => {
  it("is a signed VERP address naming each delivery, while the From header stays the campaign's", async () => {
    harness = await startHarness('verp', { sink: { keepRaw: true }, env: BOUNCE_ENV });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(1, CAMPAIGN);

    const byLetter = new Map(harness.sink.received.map((m) => [m.letter, m]));
    expect([...byLetter.keys()].sort()).toEqual(['2023-24/alpha/ceo', '2023-24/alpha/head']);
    for (const [letter, m] of byLetter) {
      const [, authorityId, recipient] = letter.split('/') as [string, string, string];
      // Issued for the address and Message-ID the ledger holds for the delivery.
      const record = await harness.producer.ledger(CAMPAIGN).get(authorityId, recipient);
      expect(record).toMatchObject({ email: m.envelopeTo[0], messageId: m.messageId });
      expect(m.envelopeFrom).toBe(testVerp.address({ campaign: CAMPAIGN, authorityId, recipient }, record!));
      const headers = harness.sink.raw
        .get(m.messageId)!
        .toString('utf8')
        .split('\r\n\r\n')[0]!
        .replace(/\r\n[ \t]+/g, ' ');
      expect(headers).not.toContain('bounces+');
      expect(headers).toMatch(/^From: Local Government and Social Care Ombudsman <annual\.review@example\.org>$/m);
    }
  });
});

/** A ledger with the fixtures' deliveries, every one `sent`, and a `bounces` process listening on a free port. */
async function setUp() {
  const prefix = uniquePrefix('bounces');
  const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-'));
  const config = testConfig(prefix, {
    ...BOUNCE_ENV,
    BOUNCE_LISTEN: '127.0.0.1:0',
    BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
    DELIVERY_LOG: join(dir, 'deliveries.log'),
  });
  const redis = new Redis(REDIS_URL);
  const ledger = new Ledger(redis, prefix, CAMPAIGN);
  const deliveries = [
    { authorityId: 'alpha', recipient: 'mo-1', role: 'mo' as const, email: 'monitoring.officer@alpha.example.org' },
    { authorityId: 'alpha', recipient: 'ceo', role: 'ceo' as const, email: 'ceo@alpha.example.org' },
    { authorityId: 'alpha', recipient: 'head', role: 'head' as const, email: 'leader@alpha.example.org' },
    { authorityId: 'beta', recipient: 'ceo', role: 'ceo' as const, email: 'chief.exec@beta.example.org' },
    { authorityId: 'gamma', recipient: 'head', role: 'head' as const, email: 'leader@gamma.example.org' },
    { authorityId: 'delta', recipient: 'ceo', role: 'ceo' as const, email: 'ceo@delta.example.org' },
  ].map((d) => ({ ...d, messageId: `<${CAMPAIGN}.${d.authorityId}.${d.recipient}@ombudsman.example>` }));
  await ledger.seed(deliveries);
  for (const d of deliveries) {
    await ledger.claim(d, 'test', 60_000);
    await ledger.finish(d.authorityId, d.recipient, 'test', 'sent', { response: '250 ok' });
  }
  const bounces: BouncesProcess = await startBouncesProcess(config, { log: createLogger({ level: 'silent' }), echoDeliveries: false });
  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: bounces.port, secure: false, ignoreTLS: true });
  cleanups.push(async () => {
    smtp.close();
    await bounces.close();
    redis.disconnect();
    await cleanPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });
  const deliver = (raw: Buffer, to = 'bounces@ombudsman.example') => smtp.sendMail({ envelope: { from: '', to }, raw });
  const emailOf = (authorityId: string, recipient: string) =>
    deliveries.find((d) => d.authorityId === authorityId && d.recipient === recipient)!.email;
  /** The VERP address the fixture delivery's letter left with. */
  const tokenOf = (authorityId: string, recipient: string) =>
    verpFor({ campaign: CAMPAIGN, authorityId, recipient }, emailOf(authorityId, recipient));
  return { ledger, bounces, deliver, dir, tokenOf };
}

/** A delivery status notification as a mail system writes one; `finalRecipient` left out for one that names no address. */
function dsn(options: { to: string; finalRecipient?: string; messageId?: string; diagnostic: string }): Buffer {
  const recipient = options.finalRecipient ? `Final-Recipient: rfc822; ${options.finalRecipient}\r\n` : '';
  const original = options.messageId
    ? `--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: ${options.messageId}\r\nSubject: Annual Review letter 2023-24\r\n\r\n`
    : '';
  return Buffer.from(
    `From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: ${options.to}\r\nSubject: Undelivered Mail Returned to Sender\r\n` +
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n' +
      '--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n' +
      '--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n' +
      `${recipient}Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; ${options.diagnostic}\r\n\r\n${original}--b--\r\n`,
  );
}

describe('the bounces listener', () => {
  it('marks a letter bounced, with the diagnostic, from a Microsoft 365 NDR to its VERP address', async () => {
    const { ledger, deliver, tokenOf } = await setUp();
    await deliver(await bounceFixture('office365-ndr.eml'), tokenOf('alpha', 'mo-1'));
    const record = await ledger.get('alpha', 'mo-1');
    expect(record).toMatchObject({
      status: 'bounced',
      diagnostic: 'smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    });
    expect(record!.bouncedAt).toBeGreaterThan(0);
    expect(await ledger.counts()).toMatchObject({ sent: 5, bounced: 1 });
  });

  it("marks a letter bounced by the token in Gmail's DSN, but keeps Exim's bounce to the plain bounce address, with no token, as unverified", async () => {
    const { ledger, deliver, bounces, tokenOf } = await setUp();
    await deliver(await bounceFixture('exim-plain-text.eml'));
    await deliver(await bounceFixture('gmail-dsn.eml'), tokenOf('gamma', 'head'));
    expect(await ledger.get('gamma', 'head')).toMatchObject({
      status: 'bounced',
      diagnostic: expect.stringMatching(/^smtp; 550-5\.1\.1 /),
    });
    expect(await ledger.get('beta', 'ceo')).toMatchObject({ status: 'sent' });
    const { rows, total } = await bounces.unverified.read(CAMPAIGN);
    expect(total).toBe(1);
    expect(rows).toEqual([
      {
        campaign: CAMPAIGN,
        authorityId: 'beta',
        recipient: 'ceo',
        receivedAt: expect.any(Number),
        kind: 'failed',
        email: 'chief.exec@beta.example.org',
        status: '5.1.1',
        diagnostic: expect.stringMatching(/^550 5\.1\.1 .*User unknown/),
        why: 'no-token',
        reason: expect.stringMatching(/^no VERP token: it names this delivery only by its Message-ID and address/),
        keptAt: expect.stringMatching(/\.eml$/),
        from: 'Mailer-Daemon@mx1.beta.example.org',
        subject: 'Mail delivery failed: returning message to sender',
      },
    ]);
    expect(await readFile(rows[0]!.keptAt!, 'utf8')).toContain('Message-ID: <2023-24.beta.ceo@ombudsman.example>');
  });

  it("does not flip a delivered letter for a forged bounce naming its predictable Message-ID and its recipient's public address: kept as unverified, the attacker's text recorded as a claim", async () => {
    const { ledger, deliver, bounces } = await setUp();
    const forged = dsn({
      to: 'bounces@ombudsman.example',
      finalRecipient: 'ceo@alpha.example.org',
      messageId: fixtureMessageId({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'ceo' }),
      diagnostic: '550 5.1.1 =HYPERLINK("https://evil.example","mailbox closed, write to evil.example")\u202e',
    });
    await deliver(forged);
    expect(await ledger.get('alpha', 'ceo')).toMatchObject({ status: 'sent' });
    expect(await ledger.counts()).toMatchObject({ sent: 6, bounced: 0 });
    const { rows } = await bounces.unverified.read(CAMPAIGN);
    expect(rows).toMatchObject([
      {
        authorityId: 'alpha',
        recipient: 'ceo',
        why: 'no-token',
        email: 'ceo@alpha.example.org',
        diagnostic: expect.stringContaining('=HYPERLINK('),
      },
    ]);
    // A claim, cleaned for whoever shows it: no bidirectional override survives.
    expect(rows[0]!.diagnostic).not.toContain('\u202e');
  });

  it('changes nothing for a delay, an out-of-office, an X-Autoreply, a forged token or a stray message; keeps the forged token as unverified and both aside', async () => {
    const { ledger, deliver, bounces, dir, tokenOf } = await setUp();
    await deliver(await bounceFixture('postfix-delayed.eml'), tokenOf('delta', 'ceo'));
    await deliver(await bounceFixture('out-of-office.eml'), tokenOf('alpha', 'ceo'));
    await deliver(await bounceFixture('x-autoreply.eml'), tokenOf('alpha', 'head'));
    // The NDR is genuine in form, but its token was signed with another secret; its real Message-ID must not rescue it.
    const forged = tokenOf('alpha', 'mo-1').replace(/[0-9a-f]{16}@/, '0000000000000000@');
    await deliver(Buffer.from((await bounceFixture('office365-ndr.eml')).toString('utf8').replaceAll(/bounces\+[^\s>]+/g, forged)), forged);
    await deliver(await bounceFixture('human-reply.eml'));

    expect(await ledger.counts()).toMatchObject({ sent: 6, bounced: 0 });
    expect(bounces.unmatched.count).toBe(2);
    expect(await readdir(join(dir, 'unmatched'))).toHaveLength(2);
    expect((await bounces.unverified.read(CAMPAIGN)).rows).toMatchObject([
      { authorityId: 'alpha', recipient: 'mo-1', why: 'forged-token' },
    ]);
  });

  it('refuses mail for any other domain', async () => {
    const { deliver } = await setUp();
    await expect(deliver(await bounceFixture('human-reply.eml'), 'someone@elsewhere.example')).rejects.toThrow(
      /550.*only mail for ombudsman\.example/,
    );
  });
});

describe('a readdressed delivery', () => {
  it("is not flipped by a bounce to the token its earlier letter left with, naming the old address or none; its new letter's token flips it", async () => {
    const { ledger, deliver, tokenOf } = await setUp();
    const oldToken = tokenOf('alpha', 'mo-1');
    await deliver(await bounceFixture('office365-ndr.eml'), oldToken);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'bounced' });

    // The operator's correction, and the new letter sent (as the worker would: claim, then sent).
    const newEmail = 'mo.corrected@alpha.example.org';
    const messageId = `<${CAMPAIGN}.alpha.mo-1.r1@ombudsman.example>`;
    await ledger.readdress('alpha', 'mo-1', { email: newEmail, messageId, by: 'j.smith' });
    const claimed = await ledger.claim({ authorityId: 'alpha', recipient: 'mo-1', role: 'mo', email: newEmail, messageId }, 'test', 60_000);
    await ledger.finish('alpha', 'mo-1', 'test', 'sent', { response: '250 ok' });
    const newToken = testVerp.address({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'mo-1' }, claimed.record);
    expect(newToken).not.toBe(oldToken);

    // The old NDR again (late, or replayed), and a signed bounce that names no address at all.
    await deliver(await bounceFixture('office365-ndr.eml'), oldToken);
    await deliver(dsn({ to: oldToken, diagnostic: '550 5.1.1 user unknown' }), oldToken);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'sent', email: newEmail, messageId });

    await deliver(dsn({ to: newToken, diagnostic: '550 5.2.1 mailbox disabled' }), newToken);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({
      status: 'bounced',
      email: newEmail,
      diagnostic: 'smtp; 550 5.2.1 mailbox disabled',
    });
  });
});
