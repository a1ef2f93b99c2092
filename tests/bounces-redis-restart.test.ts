/**
 * The `bounces` process rides out a Redis restart by itself: a private
 * redis-server is stopped and started again under it. While Redis is away a
 * bounce is answered 451 at once (so the relay keeps it and tries again),
 * nothing is lost or waits for the relay to give up, the ioredis errors are
 * logged rather than unhandled, and once Redis is back the relay's retry is
 * recorded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRedisServer, PrivateRedis } from '../src/demo/private-redis.js';
import { Ledger } from '../src/storage/ledger.js';
import { type BouncesProcess, startBouncesProcess } from '../workers/bounces-process.js';
import { BOUNCE_SECRET, bounceFixture, capturedLog, verpFor } from './support/bounces.js';
import { testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!hasRedisServer())('the bounces process when Redis restarts', () => {
  it('answers 451 while Redis is away, logs the connection errors, reconnects by itself and records the retried bounce', async () => {
    const redisServer = new PrivateRedis({ appendOnly: true });
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-redis-'));
    const prefix = uniquePrefix('bounces-redis-restart');
    let bounces: BouncesProcess | undefined;
    let redis: Redis | undefined;
    const smtp = () => nodemailer.createTransport({ host: '127.0.0.1', port: bounces!.port, secure: false, ignoreTLS: true });
    cleanups.push(async () => {
      await bounces?.close();
      redis?.disconnect();
      await redisServer.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    const redisUrl = await redisServer.start();
    redis = new Redis(redisUrl);
    // The test's own connection sees the outage too; it reconnects, and its refusals are expected.
    redis.on('error', () => {});
    const ledger = new Ledger(redis, prefix, CAMPAIGN);
    const deliveries = [
      { authorityId: 'alpha', recipient: 'mo-1', role: 'mo' as const, email: 'monitoring.officer@alpha.example.org' },
      { authorityId: 'gamma', recipient: 'head', role: 'head' as const, email: 'leader@gamma.example.org' },
    ].map((d) => ({ ...d, messageId: `<${CAMPAIGN}.${d.authorityId}.${d.recipient}@ombudsman.example>` }));
    await ledger.seed(deliveries);
    for (const d of deliveries) {
      await ledger.claim(d, 'test', 60_000);
      await ledger.finish(d.authorityId, d.recipient, 'test', 'sent', { response: '250 ok' });
    }
    const captured = capturedLog();
    const config = testConfig(prefix, {
      REDIS_URL: redisUrl,
      BOUNCE_ADDRESS: 'bounces@ombudsman.example',
      BOUNCE_SECRET,
      BOUNCE_LISTEN: '127.0.0.1:0',
      BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
      DELIVERY_LOG: join(dir, 'deliveries.log'),
    });
    bounces = await startBouncesProcess(config, { log: captured.log, echoDeliveries: false });
    const deliver = async (fixture: string, authorityId: string, recipient: string, email: string) => {
      const to = verpFor({ campaign: CAMPAIGN, authorityId, recipient }, email);
      const transport = smtp();
      try {
        return await transport.sendMail({ envelope: { from: '', to }, raw: await bounceFixture(fixture) });
      } finally {
        transport.close();
      }
    };

    await deliver('office365-ndr.eml', 'alpha', 'mo-1', 'monitoring.officer@alpha.example.org');
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'bounced' });

    await redisServer.stop();
    await expect(deliver('gmail-dsn.eml', 'gamma', 'head', 'leader@gamma.example.org')).rejects.toMatchObject({
      responseCode: 451,
    });
    expect(captured.events('bounce.error')).toHaveLength(1);

    await redisServer.start();
    // The relay's retry: 451 until the connection is back, then recorded.
    for (let attempt = 1; ; attempt++) {
      const result = await deliver('gmail-dsn.eml', 'gamma', 'head', 'leader@gamma.example.org').then(
        () => 'accepted',
        (error: { responseCode?: number }) => error.responseCode,
      );
      if (result === 'accepted') break;
      expect(result).toBe(451);
      if (attempt >= 100) throw new Error('the bounces process did not get Redis back within 100 retries');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ledger.get('gamma', 'head')).toMatchObject({
      status: 'bounced',
      diagnostic: expect.stringMatching(/^smtp; 550-5\.1\.1 /),
    });
    expect(await ledger.counts()).toMatchObject({ sent: 0, bounced: 2 });
    expect(captured.events('redis.error').length).toBeGreaterThan(0);
  }, 60_000);
});
