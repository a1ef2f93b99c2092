/**
 * Figure: the public doors under the conditions an attacker or an outage
 * makes, each against its own yardstick in the same run.
 *   - restart: the console (`ui`) and the register server, each as its own
 *     process on a private redis-server (append-only) stopped for 3 s and
 *     started again: from Redis answering again to the first normal answer
 *     (a signed-in API call; a withdrawal form post), median of 3 restarts,
 *     against the reconnection backoff's cap (2 s);
 *   - withdraw: the register server's answer to a withdrawal for a
 *     registered address vs an unregistered one, medians of alternating
 *     posts (the timing must not tell them apart);
 *   - confirm: of 50 confirmation posts from one client, how many are
 *     answered before the 429s start;
 *   - console page: the Registrations page's size and time at 20,000
 *     registrations vs at 100 (a page, not the whole list).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, PrivateRedis } from '../src/demo/private-redis.js';
import { connectProducer } from '../src/redis.js';
import { choicesFromDataDir } from '../src/register/authority-choices.js';
import { LinkSigner } from '../src/register/link-token.js';
import { RegistrationStore } from '../src/storage/registration-store.js';
import type { Sink } from './lib/children.js';
import { type FigureResult, fmt, median, passMark } from './lib/report.js';

const BIN = fileURLToPath(new URL('../bin/annual-review-mailer.js', import.meta.url));
const SECRET = 'bench-register-secret-0123456789abcdef';
const AWAY_MS = 3_000;
const BACKOFF_CAP_MS = 2_000;

export interface PublicDoorsOptions {
  sink: Sink;
  /** A campaign folder whose authorities the register server offers. */
  dataDir: string;
  /** Restarts of Redis under each server. */
  restarts: number;
  /** Withdrawal posts of each kind. */
  withdrawals: number;
  /** Registrations for the console page. */
  registrations: number;
}

interface Child {
  process: ChildProcess;
  stdout: string[];
  stop(): Promise<void>;
}

async function spawnCommand(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => void stderr.push(line));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      if (ready.test(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${stderr.slice(-3).join(' | ')}`)));
  });
  return {
    process: child,
    stdout,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let clients = 0;
/** Each post from a client of its own (the register server trusts one proxy hop here), unless `from` names one. */
const post = (
  url: string,
  form: Record<string, string>,
  cookie?: string,
  from = `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients++ & 255}`,
) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': from,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });

/** A signed-in console client: its cookies and CSRF token. */
async function signIn(base: string): Promise<{ cookie: string; csrf: string }> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const login = await fetch(`${base}/login`);
  keep(login);
  const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  keep(await post(`${base}/login`, { _csrf: token, username: 'bench', password: 'bench-password-1', next: '/' }, cookie()));
  keep(await fetch(`${base}/`, { headers: { cookie: cookie() }, redirect: 'manual' }));
  return { cookie: cookie(), csrf: decodeURIComponent(jar.get('XSRF-TOKEN') ?? '') };
}

export async function publicDoorsFigure(o: PublicDoorsOptions): Promise<FigureResult> {
  const dir = await mkdtemp(join(tmpdir(), 'arm-bench-doors-'));
  const redis = new PrivateRedis({ appendOnly: true });
  const url = await redis.start();
  const env = { REDIS_URL: url, QUEUE_PREFIX: 'bench', SMTP_URL: o.sink.url, DELIVERY_LOG: join(dir, 'deliveries.log'), LOG_LEVEL: 'warn' };
  const children: Child[] = [];
  const lines: string[] = [];
  const data: Record<string, unknown> = {};
  try {
    const authority = (await choicesFromDataDir(o.dataDir)).list[0]!;
    const uiPort = await freePort();
    const registerPort = await freePort();
    children.push(
      await spawnCommand(
        ['ui'],
        { ...env, UI_USERNAME: 'bench', UI_PASSWORD: 'bench-password-1', UI_SESSION_SECRET: SECRET, UI_PORT: String(uiPort) },
        /^ui: http/,
      ),
    );
    children.push(
      await spawnCommand(
        ['register-server', '--data', o.dataDir],
        // One proxy hop trusted, so each timed post counts as a client of its own against the per-client limit.
        { ...env, REGISTER_SECRET: SECRET, REGISTER_PORT: String(registerPort), UI_TRUST_PROXY: '1' },
        /^register-server: http/,
      ),
    );
    const ui = `http://127.0.0.1:${uiPort}`;
    const register = `http://127.0.0.1:${registerPort}`;
    const session = await signIn(ui);

    // Restart: time back to normal.
    const uiNormal = async () =>
      (await fetch(`${ui}/api/campaigns`, { headers: { cookie: session.cookie, accept: 'application/json' } })).status === 200;
    const registerNormal = async () =>
      (await post(`${register}/withdraw`, { email: `restart-${Math.random()}@${authority.ceDomain}` })).status === 200;
    const uiBack: number[] = [];
    const registerBack: number[] = [];
    for (let i = 0; i < o.restarts; i++) {
      if (!(await uiNormal()) || !(await registerNormal())) throw new Error('a server was not normal before the restart');
      // Both servers are on the same Redis: one restart, each timed from the same moment.
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, AWAY_MS));
      await redis.start();
      const back = performance.now();
      const [a, b] = await Promise.all(
        [uiNormal, registerNormal].map(async (normal) => {
          for (;;) {
            if (await normal().catch(() => false)) return performance.now() - back;
            if (performance.now() - back > 60_000) throw new Error('not back to normal within 60 s');
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        }),
      );
      uiBack.push(a!);
      registerBack.push(b!);
    }
    const restartMs = Math.max(median(uiBack), median(registerBack));
    data.restart = { uiBackMs: uiBack, registerBackMs: registerBack, awayMs: AWAY_MS, backoffCapMs: BACKOFF_CAP_MS };
    const restartPass = restartMs < BACKOFF_CAP_MS + 1_000;
    lines.push(
      `bench public-doors restart: back to normal ${fmt(median(uiBack))} ms (console) and ${fmt(median(registerBack))} ms (register server) ` +
        `after Redis answered again, median of ${o.restarts} restarts of ${AWAY_MS / 1000} s; vs the reconnection backoff's cap ${BACKOFF_CAP_MS} ms ` +
        `(target < ${BACKOFF_CAP_MS + 1000} ms)${passMark(restartPass)}`,
    );

    // Withdraw: registered vs unregistered, alternating.
    const admin = await connectProducer(url);
    const store = new RegistrationStore(admin, 'bench');
    const registered: string[] = [];
    for (let i = 0; i < o.withdrawals; i++) {
      const email = `officer${i}@${authority.ceDomain}`;
      await store.confirm({
        authorityId: authority.id,
        authorityName: authority.name,
        name: 'Bench Officer',
        email,
        ceDomain: authority.ceDomain,
        confirmedFrom: 'bench',
      });
      registered.push(email);
    }
    const timeOne = async (email: string) => {
      // Each post from an idle server: nothing left over from the last one (its email's log line, the pool's work).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const res = await post(`${register}/withdraw`, { email });
      await res.text();
      if (res.status !== 200) throw new Error(`withdraw answered ${res.status}`);
      return performance.now() - started;
    };
    const forRegistered: number[] = [];
    const forStranger: number[] = [];
    o.sink.reset();
    for (let i = 0; i < o.withdrawals; i++) {
      // Alternating which goes first, so a drift in the machine's load falls on both alike.
      if (i % 2 === 1) forStranger.push(await timeOne(`stranger${i}@${authority.ceDomain}`));
      forRegistered.push(await timeOne(registered[i]!));
      // Its email goes after the answer: let it arrive before the next post, so neither post is timed while it is sent.
      await o.sink.reached(i + 1);
      if (i % 2 === 0) forStranger.push(await timeOne(`stranger${i}@${authority.ceDomain}`));
    }
    const withdrawRatio = median(forRegistered) / median(forStranger);
    data.withdraw = { registeredMs: forRegistered, strangerMs: forStranger };
    const withdrawPass = withdrawRatio > 0.8 && withdrawRatio < 1.25;
    lines.push(
      `bench public-doors withdraw: ${fmt(median(forRegistered))} ms for a registered address vs ${fmt(median(forStranger))} ms for an unregistered one ` +
        `(${withdrawRatio.toFixed(2)}; target 0.8-1.25), median of ${o.withdrawals} each, every registered one emailed (after its answer, before the next post)${passMark(withdrawPass)}`,
    );

    // Confirm: one client's burst.
    const signer = new LinkSigner(SECRET);
    let answered = 0;
    for (let i = 0; i < 50; i++) {
      const token = signer.sign({
        purpose: 'confirm',
        authorityId: authority.id,
        name: 'Bench Officer',
        email: `burst${i}@${authority.ceDomain}`,
      });
      const res = await post(`${register}/confirm`, { token }, undefined, '192.0.2.1');
      await res.text();
      if (res.status !== 429) answered++;
    }
    data.confirm = { posted: 50, answered };
    lines.push(
      `bench public-doors confirm: ${answered} of 50 confirmation posts from one client answered, the rest 429 (target <= 10)${passMark(answered <= 10)}`,
    );

    // The console's page: 100 registrations vs o.registrations.
    const pageAt = async (): Promise<{ bytes: number; ms: number }> => {
      const times: number[] = [];
      let bytes = 0;
      // The first answer compiles the page's template and warms the code: not counted.
      await (await fetch(`${ui}/registrations`, { headers: { cookie: session.cookie } })).text();
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const res = await fetch(`${ui}/registrations`, { headers: { cookie: session.cookie } });
        bytes = (await res.text()).length;
        times.push(performance.now() - started);
      }
      return { bytes, ms: median(times) };
    };
    const seed = async (upTo: number) => {
      const have = await admin.zcard('bench:register:ids');
      for (let i = have; i < upTo; i += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, upTo - i) }, (_, k) =>
            store.confirm({
              authorityId: `a${(i + k) % 400}`,
              authorityName: `Authority ${(i + k) % 400}`,
              name: 'Seeded Officer',
              email: `seed${i + k}@a${(i + k) % 400}.example.org`,
              ceDomain: `a${(i + k) % 400}.example.org`,
              confirmedFrom: 'bench',
            }),
          ),
        );
      }
    };
    await seed(100);
    const small = await pageAt();
    await seed(o.registrations);
    const large = await pageAt();
    await admin.quit();
    data.consolePage = { small, large, registrations: o.registrations };
    lines.push(
      `bench public-doors console page: ${fmt(large.bytes / 1024)} KB in ${fmt(large.ms)} ms at ${o.registrations.toLocaleString('en-GB')} registrations ` +
        `vs ${fmt(small.bytes / 1024)} KB in ${fmt(small.ms)} ms at 100 (${(large.ms / small.ms).toFixed(2)}; one page of 25 either way)`,
    );
    return { figure: 'public-doors', lines, pass: restartPass && withdrawPass && answered <= 10, data };
  } finally {
    for (const child of children) await child.stop();
    await redis.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
