/**
 * Secrets stay secret: no password, token or SMTP credential in a log line,
 * an error message or a job's data.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { type Config, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/domain/index.js';
import { createLogger, FLAT_REDACT_PATHS, redactText, redactUrl } from '../src/logger.js';
import { connectProducer } from '../src/redis.js';
import type { WorkerProcess } from '../workers/worker-process.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { openProducer, type Producer } from './support/producer.js';
import { cleanPrefix, testConfig, uniquePrefix } from './support/redis.js';
import { CapturedLog, startAuthRelay, startCapturedWorker } from './support/safety.js';

const SECRET = 'hunter2-Zq9';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the log', () => {
  it('blanks passwords, credentials in URLs, auth objects and auth headers wherever the code puts them', () => {
    const out = new CapturedLog();
    const log = createLogger({ level: 'trace', destination: out });
    log.info(
      { password: SECRET, pass: SECRET, auth: { user: 'mailer', pass: SECRET }, smtpUrl: `smtp://mailer:${SECRET}@relay:587` },
      'top level',
    );
    log.info(
      {
        config: {
          SMTP_URL: `smtp://mailer:${SECRET}@relay`,
          REDIS_URL: `rediss://:${SECRET}@redis:6380`,
          UI_PASSWORD: SECRET,
          UI_PASSWORD_HASH: `scrypt:${SECRET}:x`,
          UI_READONLY_USERS: `viewer:${SECRET}`,
          UI_SESSION_SECRET: SECRET,
        },
        transport: { auth: { user: 'mailer', pass: SECRET } },
      },
      'one level down',
    );
    log.info({ req: { headers: { authorization: `Basic ${SECRET}`, cookie: `arm.sid=${SECRET}` } } }, 'request');
    log.info({ headers: { authorization: `Bearer ${SECRET}`, cookie: `arm.sid=${SECRET}` } }, 'headers');
    const err = Object.assign(new Error(`connect ECONNREFUSED smtp://mailer:${SECRET}@relay:587`), {
      code: 'ECONNECTION',
      response: `421 smtp://mailer:${SECRET}@relay:587 is closing the connection`,
    });
    log.error({ err }, 'send failed');
    log.error({ err: `redis://:${SECRET}@redis:6379 is down` }, 'not an Error');

    expect(out.lines).toHaveLength(6);
    expect(out.text).not.toContain(SECRET);
    expect(out.lines[0]).toMatchObject({ password: '[redacted]', pass: '[redacted]', auth: '[redacted]', smtpUrl: '[redacted]' });
    expect(out.lines[1]).toMatchObject({ config: { SMTP_URL: '[redacted]', REDIS_URL: '[redacted]' }, transport: { auth: '[redacted]' } });
    expect(out.lines[4]).toMatchObject({
      err: {
        message: 'connect ECONNREFUSED smtp://***:***@relay:587',
        code: 'ECONNECTION',
        response: '421 smtp://***:***@relay:587 is closing the connection',
      },
    });
  });

  it('the delivery log, whose lines are flat, blanks the same top-level fields and the error serialiser still hides URL credentials', () => {
    const out = new CapturedLog();
    const log = createLogger({ level: 'info', destination: out, redact: FLAT_REDACT_PATHS });
    log.info({ event: 'delivery.sent', password: SECRET, smtpUrl: `smtp://mailer:${SECRET}@relay`, auth: SECRET }, 'flat');
    log.error({ err: new Error(`smtp://mailer:${SECRET}@relay:587 refused`) }, 'failed');
    expect(out.lines[0]).toMatchObject({ password: '[redacted]', smtpUrl: '[redacted]', auth: '[redacted]' });
    expect(out.text).not.toContain(SECRET);
  });

  it('hides the credentials of a URL in free text', () => {
    expect(redactUrl(`smtp://mailer:${SECRET}@relay:587`)).toBe('smtp://***:***@relay:587');
    expect(redactText(`failed: rediss://:${SECRET}@a:1 and smtps://u:${SECRET}@b`)).toBe(
      'failed: rediss://***:***@a:1 and smtps://***:***@b',
    );
  });
});

describe('errors', () => {
  it('a bad environment value names the variable and never echoes the value', () => {
    const bad: Record<string, string> = {
      REDIS_URL: `http://user:${SECRET}@redis`,
      SMTP_URL: `ftp://user:${SECRET}@relay`,
      UI_PASSWORD: SECRET.slice(0, 5),
      UI_PASSWORD_HASH: `sha1:${SECRET}`,
      UI_SESSION_SECRET: SECRET,
      TEST_RECIPIENT: `user:${SECRET}@`,
      RECIPIENT_ALLOWLIST: `example.org, ${SECRET} x`,
      MAIL_FROM: `Me <me@example.org>\r\nBcc: ${SECRET}@evil.example`,
    };
    for (const [name, value] of Object.entries(bad)) {
      let error: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`${name}: `);
      expect((error as Error).message).not.toContain(SECRET.slice(0, 5));
    }
  });

  it('a Redis that cannot be reached, or refuses the password, is reported without the password', async () => {
    const unreachable = await connectProducer(`redis://:${SECRET}@127.0.0.1:1`).catch((e: Error) => e);
    expect(unreachable).toBeInstanceOf(Error);
    expect((unreachable as Error).message).toMatch(/cannot reach Redis at 127\.0\.0\.1:1/);
    expect((unreachable as Error).message).not.toContain(SECRET);
  });
});

/** A worker (logging everything, at trace) sending through a relay that demands a login. */
async function workerWithSmtpLogin(
  name: string,
  password: string,
): Promise<{ config: Config; producer: Producer; log: CapturedLog; relay: Awaited<ReturnType<typeof startAuthRelay>>; dir: string }> {
  const relay = await startAuthRelay({ user: 'mailer', pass: SECRET });
  cleanups.push(() => relay.stop());
  const dir = await mkdtemp(join(tmpdir(), `arm-${name}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const prefix = uniquePrefix(name);
  cleanups.push(() => cleanPrefix(prefix));
  const config = testConfig(prefix, {
    SMTP_URL: `smtp://mailer:${encodeURIComponent(password)}@127.0.0.1:${relay.port}`,
    DELIVERY_LOG: join(dir, 'deliveries.log'),
    LOG_LEVEL: 'trace',
    SEND_ATTEMPTS: '2',
  });
  const producer = await openProducer(config);
  cleanups.push(() => producer.close());
  const started = await startCapturedWorker(config, 'trace');
  let worker: WorkerProcess | undefined = started.worker;
  cleanups.push(async () => {
    await worker?.close();
    worker = undefined;
  });
  return { config, producer, log: started.log, relay, dir };
}

/** Everything a person could read about the run: logs, delivery log, jobs, their logs and results, the ledger. */
async function everythingReadable(config: Config, producer: Producer, log: CapturedLog): Promise<string> {
  const jobs = [...(await producer.letters.getJobs()), ...(await producer.campaigns.getJobs())];
  const jobLogs = await Promise.all(jobs.map((j) => producer.letters.getJobLogs(j.id!)));
  const ledger = [];
  for await (const r of producer.ledger('2023-24').records()) ledger.push(r);
  const deliveryLog = await readFile(config.DELIVERY_LOG, 'utf8').catch(() => '');
  return [
    log.text,
    deliveryLog,
    JSON.stringify(jobs.map((j) => [j.data, j.returnvalue, j.failedReason, j.stacktrace])),
    JSON.stringify(jobLogs),
    JSON.stringify(ledger),
  ].join('\n');
}

describe('a worker started with SMTP_URL=smtp://user:password@relay', () => {
  it('logs in and delivers, and the password appears in no log line, job or ledger record', async () => {
    const { config, producer, log, relay } = await workerWithSmtpLogin('secret-smtp-ok', SECRET);
    const data = await writeDataSet(join(config.DELIVERY_LOG, '..', 'data'), [{ id: 'alpha' }]);
    await approve(config, data);
    await runCommand({ data, wait: false }, config, quietPrint);
    await expect.poll(() => relay.messages.length, { timeout: 10_000 }).toBe(2);
    expect(relay.messages.every((m) => m.user === 'mailer')).toBe(true);
    await expect.poll(async () => (await producer.letters.getJobCounts('completed')).completed, { timeout: 10_000 }).toBe(1);

    const readable = await everythingReadable(config, producer, log);
    expect(readable).toMatch(/delivery\.sent/);
    expect(readable).not.toContain(SECRET);
    expect(readable).not.toContain(encodeURIComponent(SECRET));
  });

  it('reports a refused login without the password it tried, in the log, the job and the ledger', async () => {
    const wrong = `${SECRET}-wrong`;
    const { config, producer, log, relay } = await workerWithSmtpLogin('secret-smtp-refused', wrong);
    const data = await writeDataSet(join(config.DELIVERY_LOG, '..', 'data'), [{ id: 'alpha' }]);
    await approve(config, data);
    await runCommand({ data, wait: false }, config, quietPrint);
    await expect.poll(async () => (await producer.letters.getJobCounts('failed')).failed, { timeout: 15_000 }).toBe(1);
    expect(relay.authFailures).toBeGreaterThan(0);
    expect(relay.messages).toHaveLength(0);

    const readable = await everythingReadable(config, producer, log);
    expect(readable).toMatch(/Authentication credentials invalid|Invalid login/);
    expect(readable).not.toContain(SECRET.slice(0, 7));
  });
});

describe('job data', () => {
  it('holds ids only: no address, name, figure or credential', async () => {
    const { config, producer } = await workerWithSmtpLogin('secret-job-data', SECRET);
    const data = await writeDataSet(join(config.DELIVERY_LOG, '..', 'data'), [
      { id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] },
      { id: 'beta' },
    ]);
    await approve(config, data);
    await runCommand({ data, wait: false }, config, quietPrint);
    await producer.campaigns.add('fan-out', { campaign: '2023-24' });
    const jobs = await producer.letters.getJobs();
    expect(jobs.map((j) => j.data).sort((a, b) => a.authorityId.localeCompare(b.authorityId))).toEqual([
      { campaign: '2023-24', authorityId: 'alpha' },
      { campaign: '2023-24', authorityId: 'beta' },
    ]);
    for (const job of [...jobs, ...(await producer.campaigns.getJobs())]) {
      expect(Object.keys(job.data).every((k) => ['campaign', 'authorityId', 'test'].includes(k))).toBe(true);
      expect(JSON.stringify(job.data)).not.toMatch(/@|:\/\//);
    }
  });
});
