/**
 * The bounce listener faces the internet by design: each test here is one way
 * an attacker tried to hurt it (too much data, too many or too slow
 * connections, a disk to fill, a message the parser refuses), against the
 * real `bounces` process on the real Redis, spoken to in raw SMTP.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { UnmatchedBounces } from '../src/bounce/unmatched-bounces.js';
import { Ledger } from '../src/storage/ledger.js';
import { startBouncesProcess } from '../workers/bounces-process.js';
import { BOUNCE_SECRET, bounceFixture, capturedLog, SmtpTalk, verpFor } from './support/bounces.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
const BOUNCE_ENV = { BOUNCE_ADDRESS: 'bounces@ombudsman.example', BOUNCE_SECRET };
const MO = { authorityId: 'alpha', recipient: 'mo-1', role: 'mo' as const, email: 'monitoring.officer@alpha.example.org' };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One `sent` delivery (alpha/mo-1) and a `bounces` process listening with these settings. */
async function setUp(env: Record<string, string> = {}) {
  const prefix = uniquePrefix('bounces-abuse');
  const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-abuse-'));
  const redis = new Redis(REDIS_URL);
  const ledger = new Ledger(redis, prefix, CAMPAIGN);
  const messageId = `<${CAMPAIGN}.alpha.mo-1@ombudsman.example>`;
  await ledger.seed([{ ...MO, messageId }]);
  await ledger.claim({ ...MO, messageId }, 'test', 60_000);
  await ledger.finish('alpha', 'mo-1', 'test', 'sent', { response: '250 ok' });
  const captured = capturedLog();
  const config = testConfig(prefix, {
    ...BOUNCE_ENV,
    BOUNCE_LISTEN: '127.0.0.1:0',
    BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
    DELIVERY_LOG: join(dir, 'deliveries.log'),
    ...env,
  });
  const bounces = await startBouncesProcess(config, { log: captured.log, echoDeliveries: false });
  const talks: SmtpTalk[] = [];
  const open = async (localAddress?: string) => {
    const opened = await SmtpTalk.open(bounces.port!, localAddress);
    talks.push(opened.talk);
    return opened;
  };
  cleanups.push(async () => {
    for (const t of talks) t.end();
    await bounces.close();
    redis.disconnect();
    await cleanPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });
  return { ledger, bounces, open, dir, captured, token: verpFor({ campaign: CAMPAIGN, ...MO }, MO.email) };
}

describe('a message larger than BOUNCE_MAX_BYTES', () => {
  it('is refused at MAIL FROM when it says its SIZE, answered 552 after DATA when it does not, and the session then takes a real bounce', async () => {
    const { open, ledger, token } = await setUp({ BOUNCE_MAX_BYTES: '65536' });
    const { talk } = await open();
    expect(await talk.command('EHLO relay.example')).toMatch(/^250[ -]SIZE 65536$/m);
    expect(await talk.command('MAIL FROM:<> SIZE=1000000')).toMatch(/^552 /);
    expect(await talk.command('RSET')).toMatch(/^250/);
    expect(await talk.sendData(token, 1024 * 1024)).toMatch(/^552 /);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'sent' });

    expect(await talk.sendMessage(token, await bounceFixture('office365-ndr.eml'))).toMatch(/^250 /);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'bounced' });
  });

  // Before, every byte of DATA was kept until its end, then refused: 300 MB grew the process by 295 MB, and
  // 3 GB crashed it. Measured on the real command in a process of its own, as a ratio in this one run.
  it('is not kept past the limit: after a first large message, 256 MiB of DATA to a 1 MiB limit raise the `bounces` process’s peak memory by under a quarter of that', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arm-bounces-memory-'));
    let log = '';
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'annual-review-mailer.js'), 'bounces'], {
      env: {
        ...process.env,
        REDIS_URL,
        QUEUE_PREFIX: uniquePrefix('bounces-memory'),
        ...BOUNCE_ENV,
        BOUNCE_LISTEN: '127.0.0.1:0',
        BOUNCE_MAX_BYTES: String(1024 * 1024),
        BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
        DELIVERY_LOG: join(dir, 'deliveries.log'),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (log += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (log += d.toString('utf8')));
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    });
    const peakKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    while (!/"port":(\d+)/.test(log)) {
      if (child.exitCode !== null) throw new Error(`bounces exited:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const port = Number(/"port":(\d+)/.exec(log)![1]);
    const { talk } = await SmtpTalk.open(port);
    await talk.command('EHLO relay.example');
    // A first message brings the process to where its garbage collector holds it (some 40 MB of chunks not yet
    // collected, whatever the size); the second, four times larger, would add all of itself if it were kept.
    expect(await talk.sendData('bounces@ombudsman.example', 64 * 1024 * 1024)).toMatch(/^552 /);
    const before = peakKb();
    const sent = 256 * 1024 * 1024;
    expect(await talk.sendData('bounces@ombudsman.example', sent)).toMatch(/^552 /);
    const grewKb = peakKb() - before;
    talk.end();
    expect(grewKb * 1024).toBeLessThan(sent / 4);
  }, 60_000);
});

describe('connections', () => {
  it('are refused 421 past BOUNCE_MAX_CONNECTIONS_PER_CLIENT from one address and past BOUNCE_MAX_CONNECTIONS in all, and admitted again once one closes', async () => {
    const { open, captured } = await setUp({ BOUNCE_MAX_CONNECTIONS: '3', BOUNCE_MAX_CONNECTIONS_PER_CLIENT: '2' });
    const first = await open('127.0.0.1');
    expect(first.greeting).toMatch(/^220 /);
    expect((await open('127.0.0.1')).greeting).toMatch(/^220 /);
    expect((await open('127.0.0.1')).greeting).toMatch(/^421 .*too many connections from/);
    // Another client still gets in, up to the limit for everyone.
    expect((await open('127.0.0.2')).greeting).toMatch(/^220 /);
    expect((await open('127.0.0.3')).greeting).toMatch(/^421 .*too many connections \(3\)/);

    first.talk.end();
    await first.talk.closed;
    // The server counts the close on its own side a moment later.
    let again = await open('127.0.0.3');
    for (let i = 0; i < 50 && again.greeting.startsWith('421'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await open('127.0.0.3');
    }
    expect(again.greeting).toMatch(/^220 /);
    expect(captured.events('bounce.refused').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['too-many-from-client', 'too-many-connections']),
    );
  });

  it('are closed when silent for BOUNCE_IDLE_TIMEOUT_MS, and after BOUNCE_SESSION_TIMEOUT_MS however busy', async () => {
    const { open, captured } = await setUp({ BOUNCE_IDLE_TIMEOUT_MS: '1000', BOUNCE_SESSION_TIMEOUT_MS: '3000' });
    const silent = await open();
    const busy = await open();
    // A command four times a second: never idle for long, yet never done.
    let talking = true;
    const chatter = (async () => {
      while (talking) {
        await busy.talk.command('NOOP');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    await silent.talk.closed;
    await busy.talk.closed;
    talking = false;
    await chatter;
    expect(captured.events('bounce.refused').map((e) => e.reason)).toContain('session-timeout');
  }, 20_000);
});

describe('a message the parser cannot read', () => {
  it('is answered 554, not 451, so the relay does not retry it for days; it is kept aside', async () => {
    const { open, dir, captured } = await setUp();
    const { talk } = await open();
    await talk.command('EHLO relay.example');
    const parts = Buffer.from(
      `From: x@y.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${'--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(1001)}--b--\r\n`,
    );
    expect(await talk.sendMessage('bounces@ombudsman.example', parts)).toMatch(/^554 5\.6\.0 not a message we can read/);
    expect(await readdir(join(dir, 'unmatched'))).toHaveLength(1);
    expect(captured.events('bounce.unreadable')).toHaveLength(1);
  });
});

describe('the folder of messages kept aside', () => {
  it('stops at BOUNCE_UNMATCHED_MAX_FILES: later messages are still answered 250 and logged, not written, and the quota is logged once', async () => {
    const { open, dir, captured, bounces } = await setUp({ BOUNCE_UNMATCHED_MAX_FILES: '3' });
    const { talk } = await open();
    await talk.command('EHLO relay.example');
    for (let i = 0; i < 6; i++) {
      const stray = Buffer.from(`From: someone@example.org\r\nSubject: hello ${i}\r\n\r\nJust writing to the bounce address.\r\n`);
      expect(await talk.sendMessage('bounces@ombudsman.example', stray)).toMatch(/^250 /);
    }
    expect(await readdir(join(dir, 'unmatched'))).toHaveLength(3);
    expect(captured.events('bounce.unmatched')).toHaveLength(6);
    expect(captured.events('bounce.quota-full')).toHaveLength(1);
    expect(bounces.unmatched.notKept).toBe(3);
  });

  it('stops at BOUNCE_UNMATCHED_MAX_BYTES, counting what was there before the process started, and keeps the same message once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arm-unmatched-quota-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'earlier.eml'), Buffer.alloc(300_000, 'e'));
    const folder = new UnmatchedBounces(dir, { maxBytes: 1024 * 1024, maxFiles: 100 });
    const message = (n: number) => Buffer.alloc(300_000, String(n));
    expect(await folder.keep(message(1))).toMatch(/\.eml$/);
    expect(await folder.keep(message(1))).toBe(await folder.keep(message(1)));
    expect(await folder.keep(message(2))).toMatch(/\.eml$/);
    expect(await folder.keep(message(3))).toBeUndefined();
    expect((await readdir(dir)).sort()).toHaveLength(3);
    expect({ count: folder.count, notKept: folder.notKept }).toEqual({ count: 2, notKept: 1 });
  });
});
