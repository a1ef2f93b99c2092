/**
 * The ui on top of a real pipeline (tests/support/harness.ts): its own Redis
 * prefix, a real SMTP sink whose answer per address a test can change, real
 * workers, and the ui listening on a free loopback port. Plus a small HTTP
 * client that keeps cookies, as a browser would.
 */
import { runCommand } from '../../src/cli/commands/run.js';
import type { SmtpReply } from '../../src/demo/smtp-sink.js';
import { createLogger } from '../../src/logger.js';
import { createApproval } from '../../src/safety/approval.js';
import { fingerprintFiles } from '../../src/safety/fingerprint.js';
import { letterJobId } from '../../src/schedule/queues.js';
import { ApprovalStore } from '../../src/storage/approval-store.js';
import type { LoginLimit } from '../../src/ui/auth.js';
import { hashPassword } from '../../src/ui/passwords.js';
import { type RunningUi, startUi } from '../../src/ui/server.js';
import type { UiUser } from '../../src/ui/users.js';
import { type Harness, quietPrint, startHarness } from './harness.js';

export const CAMPAIGN = '2023-24';
export const OPERATOR = { name: 'olivia', password: 'operator-secret-1' };
export const VIEWER = { name: 'victor', password: 'viewer-secret-1' };

export interface UiHarness extends Harness {
  ui: RunningUi;
  /** Addresses the SMTP sink refuses at RCPT TO, and how; delete one to accept it again. */
  refuse: Map<string, SmtpReply>;
  client(): UiClient;
  /** A client already signed in as this user. */
  signedIn(user: { name: string; password: string }): Promise<UiClient>;
  jobState(authorityId: string): Promise<string>;
  jobLogs(authorityId: string): Promise<string[]>;
  /** How many messages the sink accepted for one "<authority>/<recipient>". */
  receivedFor(letter: string): number;
  /** Every line the ui logged, as written. */
  uiLog: string[];
  /** Another ui process on the same Redis and prefix (as a second replica, or the ui restarted with new settings). */
  startAnotherUi(users: UiUser[]): Promise<RunningUi>;
  /** Approves the data directory as it is, starts a worker, runs the campaign and waits until every letter job has finished. */
  runApproved(dataDir: string, authorities: number): Promise<void>;
}

export async function startUiHarness(
  name: string,
  options: { env?: Record<string, string>; loginLimit?: LoginLimit; pollMs?: number } = {},
): Promise<UiHarness> {
  const refuse = new Map<string, SmtpReply>();
  const harness = await startHarness(name, { sink: { onRecipient: (address) => refuse.get(address) ?? null }, env: options.env });
  // The operator's password is stored hashed, the viewer's in clear: both kinds of secret are exercised.
  const users: UiUser[] = [
    { name: OPERATOR.name, role: 'operator', secret: await hashPassword(OPERATOR.password) },
    { name: VIEWER.name, role: 'viewer', secret: VIEWER.password },
  ];
  const uiLog: string[] = [];
  const others: RunningUi[] = [];
  const start = (withUsers: UiUser[]) =>
    startUi({
      config: harness.config,
      redis: harness.producer.redis,
      prefix: harness.prefix,
      users: withUsers,
      log: createLogger({ level: 'info', destination: { write: (line: string) => void uiLog.push(line) } }),
      loginLimit: options.loginLimit,
      host: '127.0.0.1',
      port: 0,
      // The campaign page's refresh: short, so a test sees many refreshes in a few seconds.
      pollMs: options.pollMs ?? 500,
    });
  const ui = await start(users);
  const letters = harness.producer.letters;
  return {
    ...harness,
    ui,
    refuse,
    uiLog,
    client: () => new UiClient(ui.url),
    async startAnotherUi(withUsers) {
      const other = await start(withUsers);
      others.push(other);
      return other;
    },
    async signedIn(user) {
      const client = new UiClient(ui.url);
      const res = await client.login(user.name, user.password);
      if (res.status !== 303) throw new Error(`login as ${user.name} failed with ${res.status}`);
      // The first page after signing in hands out the XSRF-TOKEN cookie.
      await client.get('/');
      return client;
    },
    async jobState(authorityId) {
      return letters.getJobState(letterJobId(CAMPAIGN, authorityId));
    },
    async jobLogs(authorityId) {
      return (await letters.getJobLogs(letterJobId(CAMPAIGN, authorityId))).logs;
    },
    receivedFor(letter) {
      return harness.sink.received.filter((m) => m.letter === `${CAMPAIGN}/${letter}`).length;
    },
    async runApproved(dataDir, authorities) {
      // As `approve --data DIR` would: a real run goes ahead only for the files someone approved.
      await new ApprovalStore(harness.producer.redis, harness.prefix).save(
        createApproval(CAMPAIGN, 'ui-test', await fingerprintFiles(dataDir)),
      );
      await harness.startWorker();
      await runCommand({ data: dataDir, wait: false }, harness.config, quietPrint);
      await harness.waitIdle(authorities, CAMPAIGN);
    },
    async close() {
      for (const other of others) await other.close();
      await ui.close();
      await harness.close();
    },
  };
}

/** fetch with a cookie jar and no automatic redirects, so tests see each 303 for themselves. */
export class UiClient {
  constructor(
    readonly base: string,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser (the same cookies) talking to another ui process. */
  at(base: string): UiClient {
    return new UiClient(base, this.cookies);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The CSRF token, as bull-board's client reads it from the XSRF-TOKEN cookie. */
  get csrf(): string {
    const token = this.cookies.get('XSRF-TOKEN');
    if (!token) throw new Error('no XSRF-TOKEN cookie yet: GET a page first');
    return decodeURIComponent(token);
  }

  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; form?: Record<string, string>; json?: unknown; body?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(new URL(path, this.base), { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', path, { headers: { accept: 'text/html', ...headers } });
  }

  /** A JSON API call as the campaign page makes it: with the CSRF header unless told otherwise. */
  post(path: string, options: { csrf?: string | null; json?: unknown } = {}): Promise<Response> {
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    return this.request('POST', path, {
      headers: { accept: 'application/json', ...(token ? { 'x-csrf-token': token } : {}) },
      json: options.json,
    });
  }

  /** A bull-board API call as its own client makes it: the token copied from the cookie into X-XSRF-TOKEN. */
  put(path: string, options: { csrf?: string | null } = {}): Promise<Response> {
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    return this.request('PUT', path, { headers: { accept: 'application/json', ...(token ? { 'x-xsrf-token': token } : {}) }, json: {} });
  }

  async login(name: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
    const page = await this.get('/login', headers);
    const html = await page.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!csrf) throw new Error('the login form has no CSRF field');
    return this.request('POST', '/login', { headers, form: { _csrf: csrf, username: name, password, next: '/' } });
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
