/**
 * Helpers for the safety tests: a log whose lines the test reads back, a
 * worker process writing to it, data sets dated as needed, and the counts
 * that prove nothing was enqueued or sent.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { londonDate } from '../../src/safety/staleness.js';
import { startWorkerProcess, type WorkerProcess } from '../../workers/worker-process.js';
import type { Harness } from './harness.js';

/** A pino destination that keeps every line. */
export class CapturedLog implements DestinationStream {
  readonly chunks: string[] = [];

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A worker process (both workers) logging at `level` into a CapturedLog. */
export async function startCapturedWorker(config: Config, level = 'info'): Promise<{ worker: WorkerProcess; log: CapturedLog }> {
  const log = new CapturedLog();
  const worker = startWorkerProcess(config, {
    log: createLogger({ level, destination: log }),
    echoDeliveries: false,
    shutdownTimeoutMs: 10_000,
  });
  await worker.ready;
  return { worker, log };
}

/** Rewrites the data set's campaign.json with another letter date (YYYY-MM-DD). */
export async function setLetterDate(dataDir: string, letterDate: string): Promise<void> {
  const file = join(dataDir, 'campaign.json');
  const campaign = JSON.parse(await readFile(file, 'utf8')) as { letterDate: string };
  campaign.letterDate = letterDate;
  await writeFile(file, JSON.stringify(campaign, null, 2));
}

/**
 * Today in London, shifted by `days` calendar days, as YYYY-MM-DD. Counted on
 * the calendar, not in 24-hour steps: near midnight, 61 times 24 hours back
 * across a change of the clocks lands on the wrong London day.
 */
export function londonDay(days = 0): string {
  const today = Date.parse(londonDate(Date.now()));
  return new Date(today + days * 86_400_000).toISOString().slice(0, 10);
}

/** Every job in the letters queue, in any state: zero means nothing was enqueued. */
export async function letterJobCount(harness: Harness): Promise<number> {
  const counts = await harness.producer.letters.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** What an authenticating relay saw of one message. */
export interface RelayedMessage {
  user: string | undefined;
  /** The connection was TLS (STARTTLS or implicit) when the message came. */
  secure: boolean;
  envelopeTo: string[];
}

/**
 * A relay that demands AUTH as `user`/`pass`. With `tls` it offers STARTTLS
 * (or, with `secure`, speaks TLS from the first byte) and accepts AUTH only
 * over TLS; without it, it accepts AUTH in clear (loopback only).
 */
export async function startAuthRelay(options: {
  user: string;
  pass: string;
  tls?: { key: Buffer; cert: Buffer };
  secure?: boolean;
}): Promise<{ port: number; messages: RelayedMessage[]; authFailures: number; stop(): Promise<void> }> {
  const { SMTPServer } = await import('smtp-server');
  const state = { messages: [] as RelayedMessage[], authFailures: 0 };
  const server = new SMTPServer({
    logger: false,
    secure: options.secure ?? false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.pass) return callback(null, { user: auth.username });
      state.authFailures++;
      return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        const secure = (session as unknown as { secure?: boolean }).secure === true;
        state.messages.push({
          user: session.user as string | undefined,
          secure,
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages: state.messages,
    get authFailures() {
      return state.authFailures;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A self-signed certificate for 127.0.0.1 (also its own CA), made with the
 * openssl command at test time so no private key is committed; null when
 * openssl is not installed.
 */
export async function selfSignedCertificate(dir: string): Promise<{ keyFile: string; certFile: string; key: Buffer; cert: Buffer } | null> {
  const { spawnSync } = await import('node:child_process');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  if (made.error || made.status !== 0) return null;
  return { keyFile, certFile, key: await readFile(keyFile), cert: await readFile(certFile) };
}

/** Whether the openssl command is there (the TLS tests need it to make certificates). */
export async function hasOpenssl(): Promise<boolean> {
  const { spawnSync } = await import('node:child_process');
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}
