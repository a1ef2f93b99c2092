/**
 * The bounce listener under abuse, measured: a `bounces` process (the real
 * command, its own Node process) is sent one oversized DATA; its peak memory
 * (VmHWM) before and after, and the reply, are printed. Then the parser is
 * timed on a quoted-printable bounce whose decoded text is one long line
 * without '@'. Last, a private redis-server is stopped for 3 s under an
 * in-process `bounces`: how soon a bounce is answered while it is away, and
 * how long after it is back the first bounce is recorded again. Needs Redis at
 * REDIS_URL (it writes nothing there) and redis-server.
 *
 *   npx tsx scripts/bounce-probe.ts [DATA megabytes, default 300] [line bytes, default 1000000]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { parseBounce } from '../src/bounce/parse-bounce.js';
import { Verp } from '../src/bounce/verp.js';
import { loadConfig } from '../src/config.js';
import { PrivateRedis } from '../src/demo/private-redis.js';
import { createLogger } from '../src/logger.js';
import { startBouncesProcess } from '../workers/bounces-process.js';

const megabytes = Number(process.argv[2] ?? 300);
const lineBytes = Number(process.argv[3] ?? 1_000_000);
const root = join(import.meta.dirname, '..');

function peakKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function waitForPort(output: () => string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const port = /"port":(\d+)/.exec(output())?.[1];
    if (port) return Number(port);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bounces did not start:\n${output()}`);
}

/** One SMTP session that sends `megabytes` of DATA; resolves with the server's last reply. */
function sendHuge(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let step = 0;
    const script = ['EHLO probe.example', 'MAIL FROM:<>', 'RCPT TO:<bounces@ombudsman.example>', 'DATA'];
    socket.on('error', reject);
    socket.on('close', () => resolve(buffer.trim().split('\r\n').at(-1) ?? '(closed)'));
    socket.on('data', async (chunk) => {
      buffer += chunk.toString('latin1');
      if (!buffer.endsWith('\r\n')) return;
      const last = buffer.trim().split('\r\n').at(-1)!;
      if (/^\d{3}-/.test(last)) return;
      if (step < script.length) {
        if (!/^[23]/.test(last)) return resolve(last);
        socket.write(`${script[step++]}\r\n`);
        return;
      }
      if (step === script.length && last.startsWith('354')) {
        step++;
        const line = `${'x'.repeat(998)}\r\n`;
        const chunkOf = Buffer.from(line.repeat(1024));
        const chunks = Math.ceil((megabytes * 1024 * 1024) / chunkOf.length);
        socket.write('Subject: probe\r\n\r\n');
        for (let i = 0; i < chunks; i++) {
          if (!socket.write(chunkOf)) await new Promise((r) => socket.once('drain', r));
          if (socket.destroyed) return;
        }
        socket.write('.\r\n');
        return;
      }
      if (step > script.length) {
        socket.end('QUIT\r\n');
        resolve(last);
      }
    });
  });
}

const SECRET = 'probe-secret-0123456789abcdef0123456789';
const dir = await mkdtemp(join(tmpdir(), 'arm-bounce-probe-'));
let log = '';
const child = spawn(process.execPath, [join(root, 'bin', 'annual-review-mailer.js'), 'bounces'], {
  env: {
    ...process.env,
    QUEUE_PREFIX: `probe-${process.pid}`,
    BOUNCE_ADDRESS: 'bounces@ombudsman.example',
    BOUNCE_SECRET: SECRET,
    BOUNCE_LISTEN: '127.0.0.1:0',
    BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
    DELIVERY_LOG: join(dir, 'deliveries.log'),
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
child.stdout.on('data', (d) => (log += d));
child.stderr.on('data', (d) => (log += d));
try {
  const port = await waitForPort(() => log);
  const before = peakKb(child.pid!);
  const started = performance.now();
  const reply = await sendHuge(port);
  const after = peakKb(child.pid!);
  console.log(
    `${megabytes} MB of DATA: reply "${reply}" after ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `peak RSS ${(before / 1024).toFixed(0)} MB before, ${(after / 1024).toFixed(0)} MB after (+${((after - before) / 1024).toFixed(0)} MB)`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

const text = 'a'.repeat(lineBytes);
const qp = (text.match(/.{1,75}/g) ?? []).join('=\r\n');
const raw = Buffer.from(
  'From: Mail Delivery System <mailer-daemon@mx.example>\r\nTo: bounces@ombudsman.example\r\nSubject: Mail delivery failed\r\n' +
    `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nA message could not be delivered.\r\n${qp}\r\n`,
);
const started = performance.now();
await parseBounce(raw);
console.log(
  `a ${lineBytes}-byte line without '@' (${raw.length} bytes quoted-printable): parsed in ${(performance.now() - started).toFixed(0)} ms`,
);

const redisServer = new PrivateRedis();
const redisUrl = await redisServer.start();
const bounces = await startBouncesProcess(
  loadConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `probe-${process.pid}`,
    BOUNCE_ADDRESS: 'bounces@ombudsman.example',
    BOUNCE_SECRET: SECRET,
    BOUNCE_LISTEN: '127.0.0.1:0',
    BOUNCE_UNMATCHED_DIR: join(dir, 'unmatched'),
    DELIVERY_LOG: join(dir, 'deliveries.log'),
  }),
  { log: createLogger({ level: 'silent' }), echoDeliveries: false },
);
// A token naming a delivery the ledger does not have: handling it reads Redis, and changes nothing.
const token = new Verp('bounces@ombudsman.example', SECRET).address(
  { campaign: 'probe', authorityId: 'nobody', recipient: 'ceo' },
  { email: 'ceo@nobody.example', messageId: '<probe.nobody.ceo@ombudsman.example>' },
);
const dsn = Buffer.from(
  `From: MAILER-DAEMON@mx.example\r\nTo: ${token}\r\nSubject: Undelivered\r\n` +
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n' +
    '--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n' +
    'Final-Recipient: rfc822; ceo@nobody.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n',
);
const deliver = async (): Promise<string> => {
  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: bounces.port, secure: false, ignoreTLS: true });
  try {
    return (await smtp.sendMail({ envelope: { from: '', to: token }, raw: dsn })).response.slice(0, 3);
  } catch (error) {
    return String((error as { responseCode?: number }).responseCode);
  } finally {
    smtp.close();
  }
};
try {
  await deliver();
  await redisServer.stop();
  const asked = performance.now();
  const away = await deliver();
  const awayMs = performance.now() - asked;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await redisServer.start();
  const back = performance.now();
  let tries = 0;
  while ((await deliver()) !== '250') tries++;
  console.log(
    `Redis away: a bounce answered ${away} in ${awayMs.toFixed(0)} ms; Redis back after 3 s: ` +
      `the first bounce recorded ${(performance.now() - back).toFixed(0)} ms after it answered (${tries} answered 451 before)`,
  );
} finally {
  await bounces.close();
  await redisServer.destroy();
  await rm(dir, { recursive: true, force: true });
}
