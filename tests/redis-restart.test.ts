/**
 * Every long-running process rides out a Redis restart by itself: the
 * console (`ui`), the register server and the worker (letters and campaigns)
 * each run as their own process against a private redis-server (append-only,
 * so its data survives) that the test stops for three seconds and starts
 * again on the same port. While it is away the servers answer 503 with
 * Retry-After (never 500); afterwards each is back to normal with no
 * restart of its own, and none prints an unhandled error event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleCommand } from '../src/cli/commands/schedule.js';
import { loadConfig } from '../src/config.js';
import { freePort, hasRedisServer, PrivateRedis } from '../src/demo/private-redis.js';
import { SmtpSink } from '../src/demo/smtp-sink.js';
import { CAMPAIGNS_QUEUE } from '../src/schedule/queues.js';
import { approve } from './support/approve.js';
import { type CliProcess, spawnCli } from './support/cli-process.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { REGISTER_SECRET } from './support/register-harness.js';
import { eventually, UiClient } from './support/ui-harness.js';

const AWAY_MS = 3_000;
const UNHANDLED = /Unhandled error event|UnhandledPromiseRejection|Connection is closed/;

let redis: PrivateRedis | undefined;
let processes: CliProcess[] = [];
let sink: SmtpSink | undefined;
let dir = '';

afterEach(async () => {
  for (const p of processes) await p.stop();
  processes = [];
  await sink?.stop();
  sink = undefined;
  await redis?.destroy();
  redis = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function setUp(name: string): Promise<{ url: string; env: Record<string, string> }> {
  dir = await mkdtemp(join(tmpdir(), `arm-${name}-`));
  redis = new PrivateRedis({ appendOnly: true });
  const url = await redis.start();
  sink = new SmtpSink();
  const smtpUrl = await sink.start();
  return {
    url,
    env: { REDIS_URL: url, QUEUE_PREFIX: 'arm', SMTP_URL: smtpUrl, DELIVERY_LOG: join(dir, 'deliveries.log'), LOG_LEVEL: 'info' },
  };
}

/** Stops Redis for AWAY_MS, checking `whileAway` meanwhile, and starts it again on the same port and data. */
async function restartRedis(whileAway: () => Promise<void>): Promise<number> {
  await redis!.stop();
  const away = Date.now();
  await whileAway();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, AWAY_MS - (Date.now() - away))));
  await redis!.start();
  return Date.now();
}

/** What a process printed that says an error went unhandled: nothing, when all is well. */
function unhandled(p: CliProcess): string[] {
  return [...p.stdout, ...p.stderr].filter((line) => UNHANDLED.test(line) && !line.includes('"event":"redis.'));
}

describe.skipIf(!hasRedisServer())('a Redis restart under each long-running process', () => {
  it('the console answers 503 with Retry-After while Redis is away, and is back to normal by itself', async () => {
    const { env } = await setUp('restart-ui');
    const port = await freePort();
    const ui = spawnCli(['ui'], {
      ...env,
      UI_USERNAME: 'olivia',
      UI_PASSWORD: 'operator-secret-1',
      UI_SESSION_SECRET: 'a-session-secret-that-is-long-enough-0123',
      UI_PORT: String(port),
    });
    processes.push(ui);
    await ui.line(/^ui: http/);
    const client = new UiClient(`http://127.0.0.1:${port}`);
    expect((await client.login('olivia', 'operator-secret-1')).status).toBe(303);
    // Normal: the API answers, and a change to an unknown campaign is a 404.
    const normal = async () =>
      (await client.get('/api/campaigns')).status === 200 &&
      (await client.post('/api/campaigns/2023-24/authorities/nowhere/retry')).status === 404;
    expect(await normal()).toBe(true);

    const back = await restartRedis(async () => {
      for (const res of [await client.get('/api/campaigns'), await client.post('/api/campaigns/2023-24/authorities/nowhere/retry')]) {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const page = await client.get('/');
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('Redis');
    });
    await eventually('the console back to normal', normal, 30_000);
    process.stdout.write(`redis-restart: ui back to normal ${Date.now() - back} ms after Redis answered again\n`);
    // The same session still works: nothing was lost, no one signed in again.
    expect((await client.get('/registrations')).status).toBe(200);
    // And a new sign-in is counted again (the limiter's script is loaded anew into the restarted Redis).
    expect((await new UiClient(client.base).login('olivia', 'operator-secret-1')).status).toBe(303);
    expect(ui.stdout.filter((line) => line.includes('"event":"redis.')).map((line) => JSON.parse(line).event)).toEqual([
      'redis.error',
      'redis.reconnected',
    ]);
    expect(unhandled(ui)).toEqual([]);
  }, 120_000);

  it('the register server answers 503 with Retry-After to posts while Redis is away, still shows its form, and is back to normal by itself', async () => {
    const { env } = await setUp('restart-register');
    const data = await writeDataSet(join(dir, 'data'), [{ id: 'barnsley', name: 'Barnsley Metropolitan Borough Council' }]);
    const port = await freePort();
    const server = spawnCli(['register-server', '--data', data], { ...env, REGISTER_SECRET, REGISTER_PORT: String(port) });
    processes.push(server);
    await server.line(/^register-server: http/);
    const base = `http://127.0.0.1:${port}`;
    const withdraw = () =>
      fetch(`${base}/withdraw`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: 'someone@barnsley.example.org' }).toString(),
      });
    expect((await withdraw()).status).toBe(200);

    const back = await restartRedis(async () => {
      const res = await withdraw();
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.text()).toContain('try again');
      expect((await fetch(`${base}/`)).status).toBe(200);
    });
    await eventually('the register server back to normal', async () => (await withdraw()).status === 200, 30_000);
    process.stdout.write(`redis-restart: register server back to normal ${Date.now() - back} ms after Redis answered again\n`);
    expect(unhandled(server)).toEqual([]);
  }, 120_000);

  it('the worker process carries on by itself: after the restart its campaigns worker fans out and its letters worker sends every letter once', async () => {
    const { url, env } = await setUp('restart-worker');
    const data = await writeDataSet(join(dir, 'data'), [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }, { id: 'beta' }]);
    const config = loadConfig({ ...env, MAX_LETTER_AGE_DAYS: '3650' });
    await approve(config, data);
    await scheduleCommand({ data, by: 'test' }, config, quietPrint);
    const worker = spawnCli(['worker'], { ...env, MAX_LETTER_AGE_DAYS: '3650', BACKOFF_MS: '50' });
    processes.push(worker);
    await worker.line(/"event":"worker.ready"/);

    const back = await restartRedis(async () => {});
    // The annual schedule fires now: a fan-out job, as the Job Scheduler adds it.
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const campaigns = new Queue(CAMPAIGNS_QUEUE, { connection, prefix: 'arm' });
    try {
      await campaigns.add('fan-out', { campaign: '2023-24' });
      await eventually('every letter sent after the restart', async () => sink!.received.length >= 5, 60_000);
    } finally {
      await campaigns.close();
      connection.disconnect();
    }
    process.stdout.write(
      `redis-restart: worker sent ${sink!.received.length} letters, the last ${Date.now() - back} ms after Redis answered again\n`,
    );
    expect(sink!.received.map((m) => m.messageId).sort()).toEqual(
      ['alpha.ceo', 'alpha.head', 'alpha.mo-1', 'beta.ceo', 'beta.head'].map((k) => `<2023-24.${k}@example.org>`),
    );
    expect(unhandled(worker)).toEqual([]);
  }, 180_000);
});
