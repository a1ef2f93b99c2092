/**
 * Bounces end to end on the real Redis: letters leave with a signed VERP
 * envelope sender, and the `bounces` process's SMTP listener turns what comes
 * back into ledger changes (or into nothing, for forgeries and auto-replies).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
import { BOUNCE_SECRET, bounceFixture, testVerp } from './support/bounces.js';
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
      expect(m.envelopeFrom).toBe(testVerp.address({ campaign: CAMPAIGN, authorityId, recipient }));
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
  return { ledger, bounces, deliver, dir };
}

describe('the bounces listener', () => {
  it('marks a letter bounced, with the diagnostic, from a Microsoft 365 NDR to its VERP address', async () => {
    const { ledger, deliver } = await setUp();
    const ndr = await bounceFixture('office365-ndr.eml');
    await deliver(ndr, testVerp.address({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'mo-1' }));
    const record = await ledger.get('alpha', 'mo-1');
    expect(record).toMatchObject({
      status: 'bounced',
      diagnostic: 'smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    });
    expect(record!.bouncedAt).toBeGreaterThan(0);
    expect(await ledger.counts()).toMatchObject({ sent: 5, bounced: 1 });
  });

  it("matches by the original Message-ID when there is no token (Exim to the plain bounce address), and by the token in Gmail's DSN", async () => {
    const { ledger, deliver } = await setUp();
    await deliver(await bounceFixture('exim-plain-text.eml'));
    await deliver(await bounceFixture('gmail-dsn.eml'), testVerp.address({ campaign: CAMPAIGN, authorityId: 'gamma', recipient: 'head' }));
    expect(await ledger.get('beta', 'ceo')).toMatchObject({
      status: 'bounced',
      diagnostic: expect.stringMatching(/^550 5\.1\.1 .*User unknown/),
    });
    expect(await ledger.get('gamma', 'head')).toMatchObject({
      status: 'bounced',
      diagnostic: expect.stringMatching(/^smtp; 550-5\.1\.1 /),
    });
  });

  it('changes nothing for a delay, an out-of-office, an X-Autoreply, a forged token or a stray message, and keeps the unmatched aside', async () => {
    const { ledger, deliver, bounces, dir } = await setUp();
    await deliver(
      await bounceFixture('postfix-delayed.eml'),
      testVerp.address({ campaign: CAMPAIGN, authorityId: 'delta', recipient: 'ceo' }),
    );
    await deliver(
      await bounceFixture('out-of-office.eml'),
      testVerp.address({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'ceo' }),
    );
    await deliver(
      await bounceFixture('x-autoreply.eml'),
      testVerp.address({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'head' }),
    );
    // The NDR is genuine in form, but its token was signed with another secret; its real Message-ID must not rescue it.
    const forged = testVerp
      .address({ campaign: CAMPAIGN, authorityId: 'alpha', recipient: 'mo-1' })
      .replace(/[0-9a-f]{16}@/, '0000000000000000@');
    await deliver(Buffer.from((await bounceFixture('office365-ndr.eml')).toString('utf8').replaceAll(/bounces\+[^\s>]+/g, forged)), forged);
    await deliver(await bounceFixture('human-reply.eml'));

    expect(await ledger.counts()).toMatchObject({ sent: 6, bounced: 0 });
    expect(bounces.unmatched.count).toBe(2);
    expect(await readdir(join(dir, 'unmatched'))).toHaveLength(2);
  });

  it('refuses mail for any other domain', async () => {
    const { deliver } = await setUp();
    await expect(deliver(await bounceFixture('human-reply.eml'), 'someone@elsewhere.example')).rejects.toThrow(
      /550.*only mail for ombudsman\.example/,
    );
  });
});
