/**
 * Bounces from a mailbox: a real Dovecot (Debian's package) holds what came
 * back to the bounce address; the `bounces` process reads it over IMAP with
 * the same handler as the SMTP listener, and moves each message it handled
 * to the Processed folder, so none is read twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../src/demo/private-redis.js';
import { createLogger } from '../src/logger.js';
import { Ledger } from '../src/storage/ledger.js';
import { type BouncesProcess, startBouncesProcess } from '../workers/bounces-process.js';
import { BOUNCE_SECRET, bounceFixture, capturedLog } from './support/bounces.js';
import { hasDovecot, PrivateDovecot } from './support/private-dovecot.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
const BOUNCE_ENV = { BOUNCE_ADDRESS: 'bounces@ombudsman.example', BOUNCE_SECRET };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** alpha's monitoring officer's letter, recorded as sent: what the bounces in these tests are about. */
async function sentLetterToOfficer(ledger: Ledger): Promise<void> {
  const delivery = {
    authorityId: 'alpha',
    recipient: 'mo-1',
    role: 'mo' as const,
    email: 'monitoring.officer@alpha.example.org',
    messageId: `<${CAMPAIGN}.alpha.mo-1@ombudsman.example>`,
  };
  await ledger.seed([delivery]);
  await ledger.claim(delivery, 'test', 60_000);
  await ledger.finish('alpha', 'mo-1', 'test', 'sent', { response: '250 ok' });
}

/** A client of the private Dovecot, as a mail system delivering to the bounce mailbox would be. */
function imapClient(dovecot: PrivateDovecot): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
}

describe.skipIf(!hasDovecot())('the bounces mailbox', () => {
  it('marks a letter bounced from a DSN in the mailbox, already there or arriving while it waits, and moves each handled message to Processed', async () => {
    const dovecot = new PrivateDovecot();
    const prefix = uniquePrefix('bounces-imap');
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-imap-'));
    const redis = new Redis(REDIS_URL);
    const bouncesProcesses: BouncesProcess[] = [];
    const imap = () => imapClient(dovecot);
    cleanups.push(async () => {
      for (const b of bouncesProcesses) await b.close();
      await dovecot.stop();
      redis.disconnect();
      await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    });
    const url = await dovecot.start();
    const ledger = new Ledger(redis, prefix, CAMPAIGN);
    const deliveries = [
      { authorityId: 'alpha', recipient: 'mo-1', role: 'mo' as const, email: 'monitoring.officer@alpha.example.org' },
      { authorityId: 'alpha', recipient: 'ceo', role: 'ceo' as const, email: 'ceo@alpha.example.org' },
      { authorityId: 'gamma', recipient: 'head', role: 'head' as const, email: 'leader@gamma.example.org' },
    ].map((d) => ({ ...d, messageId: `<${CAMPAIGN}.${d.authorityId}.${d.recipient}@ombudsman.example>` }));
    await ledger.seed(deliveries);
    for (const d of deliveries) {
      await ledger.claim(d, 'test', 60_000);
      await ledger.finish(d.authorityId, d.recipient, 'test', 'sent', { response: '250 ok' });
    }

    const client = imap();
    await client.connect();
    // Already waiting when `bounces` starts: an NDR and an out-of-office.
    await client.append('INBOX', await bounceFixture('office365-ndr.eml'));
    await client.append('INBOX', await bounceFixture('out-of-office.eml'));

    // A long poll interval: what arrives later must be noticed by IDLE, not by polling.
    const config = testConfig(prefix, {
      ...BOUNCE_ENV,
      BOUNCE_IMAP_URL: url,
      BOUNCE_IMAP_POLL_MS: '600000',
      BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
      DELIVERY_LOG: join(dir, 'deliveries.log'),
    });
    const bounces = await startBouncesProcess(config, { log: createLogger({ level: 'silent' }), echoDeliveries: false });
    bouncesProcesses.push(bounces);
    expect(bounces.port).toBeUndefined();

    await until('alpha/mo-1 bounced', async () => (await ledger.get('alpha', 'mo-1'))?.status === 'bounced');
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({
      diagnostic: 'smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    });
    const messages = async (folder: string) => {
      const status = await client.status(folder, { messages: true });
      return status ? status.messages : undefined;
    };
    const counts = async () => ({ inbox: await messages('INBOX'), processed: await messages('Processed') });
    await until('both moved to Processed', async () => (await counts()).processed === 2);

    await client.append('INBOX', await bounceFixture('gmail-dsn.eml'));
    await until('gamma/head bounced', async () => (await ledger.get('gamma', 'head'))?.status === 'bounced');
    await until('the DSN moved to Processed', async () => (await counts()).processed === 3);
    expect(await counts()).toEqual({ inbox: 0, processed: 3 });
    expect(await ledger.counts()).toMatchObject({ sent: 1, bounced: 2 });
    expect(bounces.unmatched.count).toBe(0);
    await client.logout();
  });

  it('connects again after the server restarts, and reads what arrived meanwhile', async () => {
    const dovecot = new PrivateDovecot();
    const prefix = uniquePrefix('bounces-imap-restart');
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-imap-'));
    const redis = new Redis(REDIS_URL);
    let bounces: BouncesProcess | undefined;
    let client: ImapFlow | undefined;
    cleanups.push(async () => {
      await client?.logout().catch(() => {});
      await bounces?.close();
      await dovecot.stop();
      redis.disconnect();
      await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    });
    const url = await dovecot.start();
    const ledger = new Ledger(redis, prefix, CAMPAIGN);
    await sentLetterToOfficer(ledger);
    const config = testConfig(prefix, {
      ...BOUNCE_ENV,
      BOUNCE_IMAP_URL: url,
      BOUNCE_IMAP_POLL_MS: '1000',
      BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
      DELIVERY_LOG: join(dir, 'deliveries.log'),
    });
    bounces = await startBouncesProcess(config, { log: createLogger({ level: 'silent' }), echoDeliveries: false });

    await dovecot.restart();
    client = imapClient(dovecot);
    await client.connect();
    await client.append('INBOX', await bounceFixture('office365-ndr.eml'));
    await until('alpha/mo-1 bounced', async () => (await ledger.get('alpha', 'mo-1'))?.status === 'bounced');
  });
});

describe.skipIf(!hasDovecot())('hostile messages in the bounces mailbox', () => {
  it('moves a message over BOUNCE_MAX_BYTES on unread and one it cannot parse on as handled, and reads the bounce after them', async () => {
    const dovecot = new PrivateDovecot();
    const prefix = uniquePrefix('bounces-imap-hostile');
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-imap-'));
    const redis = new Redis(REDIS_URL);
    let bounces: BouncesProcess | undefined;
    let client: ImapFlow | undefined;
    cleanups.push(async () => {
      await client?.logout().catch(() => {});
      await bounces?.close();
      await dovecot.stop();
      redis.disconnect();
      await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    });
    const url = await dovecot.start();
    const ledger = new Ledger(redis, prefix, CAMPAIGN);
    await sentLetterToOfficer(ledger);

    client = imapClient(dovecot);
    await client.connect();
    await client.append('INBOX', Buffer.from(`From: x@y.example\r\nSubject: big\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(200)));
    await client.append(
      'INBOX',
      Buffer.from(`From: x@y.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(1001)}--b--\r\n`),
    );
    await client.append('INBOX', await bounceFixture('office365-ndr.eml'));

    const captured = capturedLog();
    const config = testConfig(prefix, {
      ...BOUNCE_ENV,
      BOUNCE_IMAP_URL: url,
      BOUNCE_IMAP_POLL_MS: '1000',
      BOUNCE_MAX_BYTES: '100000',
      BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
      DELIVERY_LOG: join(dir, 'deliveries.log'),
    });
    bounces = await startBouncesProcess(config, { log: captured.log, echoDeliveries: false });
    await until('alpha/mo-1 bounced', async () => (await ledger.get('alpha', 'mo-1'))?.status === 'bounced');
    const imap = client;
    const messages = async (folder: string) => {
      const status = await imap.status(folder, { messages: true });
      return status ? status.messages : undefined;
    };
    await until('all three moved to Processed', async () => (await messages('Processed')) === 3);
    expect(await messages('INBOX')).toBe(0);
    expect(captured.events('bounce.refused')).toMatchObject([{ reason: 'too-large' }]);
    expect(captured.events('bounce.unreadable')).toHaveLength(1);
  });
});

describe.skipIf(!hasDovecot())('the bounces mailbox while Redis is down', () => {
  it('leaves the message in the mailbox until its bounce is recorded, then moves it', async () => {
    const dovecot = new PrivateDovecot();
    const redisServer = new PrivateRedis({ appendOnly: true });
    const prefix = uniquePrefix('bounces-imap-outage');
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-imap-'));
    let bounces: BouncesProcess | undefined;
    let client: ImapFlow | undefined;
    let redis: Redis | undefined;
    cleanups.push(async () => {
      await client?.logout().catch(() => {});
      await bounces?.close();
      redis?.disconnect();
      await dovecot.stop();
      await redisServer.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    const url = await dovecot.start();
    const redisUrl = await redisServer.start();
    redis = new Redis(redisUrl);
    // The test's own connection sees the outage too; it reconnects, and the refusals are expected.
    redis.on('error', () => {});
    const ledger = new Ledger(redis, prefix, CAMPAIGN);
    await sentLetterToOfficer(ledger);

    const config = testConfig(prefix, {
      ...BOUNCE_ENV,
      REDIS_URL: redisUrl,
      BOUNCE_IMAP_URL: url,
      BOUNCE_IMAP_POLL_MS: '1000',
      BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
      DELIVERY_LOG: join(dir, 'deliveries.log'),
    });
    bounces = await startBouncesProcess(config, { log: createLogger({ level: 'silent' }), echoDeliveries: false });
    await redisServer.stop();

    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
    });
    client = imap;
    await imap.connect();
    await imap.append('INBOX', await bounceFixture('office365-ndr.eml'));
    const messages = async (folder: string) => {
      const status = await imap.status(folder, { messages: true });
      return status ? status.messages : undefined;
    };
    // Several poll intervals with Redis down: read, but not recorded, so not moved.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect({ inbox: await messages('INBOX'), processed: await messages('Processed') }).toEqual({ inbox: 1, processed: 0 });

    await redisServer.start();
    await until('alpha/mo-1 bounced', async () => (await ledger.get('alpha', 'mo-1'))?.status === 'bounced');
    // A move is a copy, then an expunge: the inbox may count the message a moment after Processed has it.
    await until('the DSN moved to Processed', async () => (await messages('Processed')) === 1 && (await messages('INBOX')) === 0);
  });
});

describe('BOUNCE_IMAP_URL', () => {
  it('is refused at start as imap:// to another machine, without echoing the password', async () => {
    const config = testConfig(uniquePrefix('bounces-imap-url'), {
      ...BOUNCE_ENV,
      BOUNCE_IMAP_URL: 'imap://bounces:s3cret-pw@mail.example/INBOX',
    });
    const started = startBouncesProcess(config, { log: createLogger({ level: 'silent' }) });
    await expect(started).rejects.toThrow(/BOUNCE_IMAP_URL: imap:\/\/ sends the password in clear; use imaps:\/\//);
    await expect(started).rejects.not.toThrow(/s3cret-pw/);
  });
});
