/**
 * Credentials and TLS come from the URL alone: SMTP with STARTTLS (or TLS
 * from the first byte) and a login, Redis with a password, and Redis over TLS
 * (rediss://). Certificates are made at test time with openssl (self-signed,
 * for 127.0.0.1); those tests are skipped where openssl is missing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { loadConfig } from '../src/config.js';
import { hasRedisServer, PrivateRedis } from '../src/demo/private-redis.js';
import { SmtpSink } from '../src/demo/smtp-sink.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { connectProducer } from '../src/redis.js';
import type { OutgoingMessage } from '../src/send/mail-provider.js';
import { createSmtpProvider } from '../src/send/smtp-provider.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { hasOpenssl, selfSignedCertificate, startAuthRelay, startCapturedWorker } from './support/safety.js';

const SECRET = 'hunter2-Tl5';
const OPENSSL = await hasOpenssl();
const REDIS_SERVER = hasRedisServer();
const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
let dir = '';
let cert: Awaited<ReturnType<typeof selfSignedCertificate>> = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-tls-'));
  if (OPENSSL) cert = await selfSignedCertificate(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const message: OutgoingMessage = {
  from: { name: 'Ombudsman', address: 'annual.review@example.org' },
  to: { name: 'Chief', address: 'ceo@alpha.example.org' },
  subject: 'Test',
  html: '<p>Test</p>',
  text: 'Test',
  messageId: '<t.alpha.ceo@example.org>',
};

describe.skipIf(!OPENSSL)('SMTP from SMTP_URL', () => {
  it('upgrades to TLS with STARTTLS and logs in, with ?tls=insecure accepting a self-signed relay', async () => {
    const relay = await startAuthRelay({ user: 'mailer', pass: SECRET, tls: cert! });
    const provider = createSmtpProvider({ url: `smtp://mailer:${SECRET}@127.0.0.1:${relay.port}?tls=insecure` });
    try {
      expect(await provider.send(message)).toMatchObject({ outcome: 'sent' });
      expect(relay.messages).toEqual([{ user: 'mailer', secure: true, envelopeTo: ['ceo@alpha.example.org'] }]);
    } finally {
      provider.close();
      await relay.stop();
    }
  });

  it('refuses a self-signed relay unless the URL says ?tls=insecure, as a retryable failure that sends nothing', async () => {
    const relay = await startAuthRelay({ user: 'mailer', pass: SECRET, tls: cert! });
    const provider = createSmtpProvider({ url: `smtp://mailer:${SECRET}@127.0.0.1:${relay.port}` });
    try {
      const outcome = await provider.send(message);
      expect(outcome).toMatchObject({ outcome: 'transient' });
      expect(JSON.stringify(outcome)).toMatch(/certificate/i);
      expect(JSON.stringify(outcome)).not.toContain(SECRET);
      expect(relay.messages).toHaveLength(0);
    } finally {
      provider.close();
      await relay.stop();
    }
  });

  it('speaks TLS from the first byte with smtps://', async () => {
    const relay = await startAuthRelay({ user: 'mailer', pass: SECRET, tls: cert!, secure: true });
    const provider = createSmtpProvider({ url: `smtps://mailer:${SECRET}@127.0.0.1:${relay.port}?tls=insecure` });
    try {
      expect(await provider.send(message)).toMatchObject({ outcome: 'sent' });
      expect(relay.messages).toEqual([{ user: 'mailer', secure: true, envelopeTo: ['ceo@alpha.example.org'] }]);
    } finally {
      provider.close();
      await relay.stop();
    }
  });
});

describe.skipIf(!REDIS_SERVER)('Redis with a password', () => {
  it('runs the whole pipeline from REDIS_URL=redis://:password@host:port, and a wrong password is refused without echoing it', async () => {
    const redis = new PrivateRedis({ requirePass: SECRET });
    const sink = new SmtpSink();
    await redis.start();
    const smtpUrl = await sink.start();
    let worker: Awaited<ReturnType<typeof startCapturedWorker>> | undefined;
    try {
      expect(redis.url).toMatch(/^redis:\/\/:hunter2-Tl5@127\.0\.0\.1:\d+$/);
      const config = loadConfig({
        REDIS_URL: redis.url,
        SMTP_URL: smtpUrl,
        QUEUE_PREFIX: 'pw',
        LOG_LEVEL: 'silent',
        DELIVERY_LOG: join(dir, 'pw.log'),
        EVIDENCE_DIR: join(dir, 'pw-evidence'),
      });
      worker = await startCapturedWorker(config);
      const data = await writeDataSet(join(dir, 'pw-data'), [{ id: 'alpha' }]);
      await approve(config, data);
      await runCommand({ data, wait: false }, config, quietPrint);
      await expect.poll(() => sink.received.length, { timeout: 10_000 }).toBe(2);
      expect(worker.log.text).not.toContain(SECRET);

      const refused = await connectProducer(redis.url.replace(SECRET, 'not-the-password')).catch((e: Error) => e);
      expect((refused as Error).message).toMatch(/^cannot reach Redis at 127\.0\.0\.1:\d+/);
      expect((refused as Error).message).not.toContain('not-the-password');
    } finally {
      await worker?.worker.close();
      await sink.stop();
      await redis.destroy();
    }
  });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as an operator runs it, with its own environment. */
function cli(args: string[], env: Record<string, string>): { done: Promise<Finished>; stop(): void } {
  const child = spawn('node', [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, stop: () => child.kill('SIGTERM') };
}

describe.skipIf(!OPENSSL || !REDIS_SERVER)('Redis over TLS', () => {
  it('runs approve, run and a worker from REDIS_URL=rediss://:password@host:port, trusting a private CA through NODE_EXTRA_CA_CERTS', async () => {
    const redis = new PrivateRedis({
      requirePass: SECRET,
      tls: { certFile: cert!.certFile, keyFile: cert!.keyFile, caFile: cert!.certFile },
    });
    const sink = new SmtpSink();
    await redis.start();
    const smtpUrl = await sink.start();
    let worker: ReturnType<typeof cli> | undefined;
    try {
      expect(redis.url).toMatch(/^rediss:\/\//);
      const data = await writeDataSet(join(dir, 'tls-data'), [{ id: 'alpha' }]);
      const env = {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: 'tls',
        SMTP_URL: smtpUrl,
        DELIVERY_LOG: join(dir, 'tls-deliveries.log'),
        EVIDENCE_DIR: join(dir, 'tls-evidence'),
        LOG_LEVEL: 'debug',
        NODE_EXTRA_CA_CERTS: cert!.certFile,
      };

      const untrusted = await cli(['approve', '--data', data, '--by', 'tls-test'], { ...env, NODE_EXTRA_CA_CERTS: '' }).done;
      expect(untrusted.code).not.toBe(0);
      expect(untrusted.stderr).toMatch(/self-signed certificate/);
      expect(untrusted.stderr).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+/);
      expect(untrusted.stderr).not.toContain(SECRET);

      const approved = await cli(['approve', '--data', data, '--by', 'tls-test'], env).done;
      expect(approved).toMatchObject({ code: 0 });
      expect(approved.stdout).toMatch(/^approved campaign 2023-24 by tls-test/);

      worker = cli(['worker'], env);
      const run = await cli(['run', '--data', data, '--no-wait'], env).done;
      expect(run).toMatchObject({ code: 0 });
      await expect.poll(() => sink.received.length, { timeout: 20_000 }).toBe(2);
      worker.stop();
      const stopped = await worker.done;
      worker = undefined;
      expect(stopped.stdout).toMatch(/worker ready/);
      expect(stopped.stdout + stopped.stderr + run.stdout + run.stderr).not.toContain(SECRET);
    } finally {
      worker?.stop();
      await worker?.done;
      await sink.stop();
      await redis.destroy();
    }
  }, 60_000);
});
