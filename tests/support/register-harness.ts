/**
 * The register server on a free loopback port, with its own Redis prefix, a
 * real in-process SMTP server that keeps every message, and a data folder of
 * authorities to offer. Emails are read back decoded, as a mail client would.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { SmtpSink } from '../../src/demo/smtp-sink.js';
import { createLogger } from '../../src/logger.js';
import { createOperations } from '../../src/operations/context.js';
import { connectProducer } from '../../src/redis.js';
import { choicesFromDataDir } from '../../src/register/authority-choices.js';
import { LinkSigner } from '../../src/register/link-token.js';
import { MailOutbox } from '../../src/register/mail-outbox.js';
import { RegisterMail } from '../../src/register/register-mail.js';
import { createRegisterApp, type RegisterLimits } from '../../src/register/register-server.js';
import type { MailProvider } from '../../src/send/mail-provider.js';
import { createSmtpProvider } from '../../src/send/smtp-provider.js';
import { deletePrefix } from '../../src/storage/delete-prefix.js';
import { RegistrationStore } from '../../src/storage/registration-store.js';
import { type TestAuthority, writeDataSet } from './data-set.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './redis.js';

export const REGISTER_SECRET = 'test-register-secret-0123456789abcdef';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface RegisterHarness {
  prefix: string;
  redis: Redis;
  dataDir: string;
  sink: SmtpSink;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  store: RegistrationStore;
  signer: LinkSigner;
  /** The emails the server has promised: they go after its answer. */
  outbox: MailOutbox;
  /** What the sink received, once every email promised so far has gone. */
  sent(): Promise<SmtpSink['received']>;
  /** Every email the sink received, decoded, oldest first (after the promised ones have gone). */
  mails(): Promise<Mail[]>;
  /** The link to `path` in the latest email to `to`. */
  linkFor(to: string, path: '/confirm' | '/withdraw/confirm'): Promise<string>;
  /** Every line the server logged. */
  log: string[];
  close(): Promise<void>;
}

export const DEFAULT_AUTHORITIES: TestAuthority[] = [
  { id: 'barnsley', name: 'Barnsley Metropolitan Borough Council' },
  { id: 'york', name: 'City of York Council' },
];

export interface RegisterHarnessOptions {
  limits?: Partial<RegisterLimits>;
  /** Written to a data folder of its own, unless `dataDir` is given. */
  authorities?: TestAuthority[];
  /** Share another harness's prefix and data folder (the console's and the run's). */
  prefix?: string;
  dataDir?: string;
  /** Wraps the real SMTP provider (e.g. to hold a send until the test lets it go). */
  provider?: (real: MailProvider) => MailProvider;
  /** Another Redis than REDIS_URL (a private redis-server a test watches with MONITOR). */
  redisUrl?: string;
}

export async function startRegisterHarness(name: string, options: RegisterHarnessOptions = {}): Promise<RegisterHarness> {
  const prefix = options.prefix ?? uniquePrefix(name);
  const dir = await mkdtemp(join(tmpdir(), `arm-${name}-`));
  const dataDir = options.dataDir ?? (await writeDataSet(join(dir, 'data'), options.authorities ?? DEFAULT_AUTHORITIES));
  const sink = new SmtpSink({ keepRaw: true });
  const smtpUrl = await sink.start();
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const redis = await connectProducer(redisUrl);
  const smtp = createSmtpProvider({ url: smtpUrl, maxConnections: 1 });
  const provider = options.provider ? options.provider(smtp) : smtp;
  const outbox = new MailOutbox();
  const ops = createOperations({
    redis,
    config: testConfig(prefix, { REDIS_URL: redisUrl, DELIVERY_LOG: join(dir, 'deliveries.log') }),
  });
  const signer = new LinkSigner(REGISTER_SECRET);
  const log: string[] = [];
  const authorities = await choicesFromDataDir(dataDir);
  // The links point wherever the server listens: take a free port first, then build the app with it.
  const http = createServer();
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const app = createRegisterApp({
    ops,
    authorities,
    signer,
    mail: new RegisterMail({ provider, from: authorities.from, publicUrl: url }),
    log: createLogger({ level: 'info', destination: { write: (line: string) => void log.push(line) } }),
    limits: options.limits,
    publicUrl: url,
    outbox,
  });
  http.on('request', app);

  const sent = async () => {
    await outbox.idle();
    return sink.received;
  };
  const mails = async (): Promise<Mail[]> =>
    Promise.all(
      (await sent()).map(async (m) => {
        const parsed = await simpleParser(sink.raw.get(m.messageId)!);
        return { to: m.envelopeTo.join(','), subject: parsed.subject ?? '', text: parsed.text ?? '' };
      }),
    );
  return {
    prefix,
    redis,
    dataDir,
    sink,
    url,
    store: new RegistrationStore(redis, prefix),
    signer,
    outbox,
    sent,
    mails,
    log,
    async linkFor(to, path) {
      const mine = (await mails()).filter((m) => m.to === to);
      const text = mine.at(-1)?.text ?? '';
      const link = new RegExp(`https?://\\S+${path.replace('/', '\\/')}\\?token=\\S+`).exec(text)?.[0];
      if (!link) throw new Error(`no ${path} link in an email to ${to}`);
      return link;
    },
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
      await outbox.idle();
      smtp.close();
      await ops.close();
      await sink.stop();
      if (options.redisUrl) await deletePrefix(redis, prefix);
      await redis.quit();
      if (!options.redisUrl) await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Posts a form as a browser without JavaScript would. */
export async function postForm(
  base: string,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string }> {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: res.status, html: await res.text() };
}

/** The token of a /confirm or /withdraw/confirm link. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}
