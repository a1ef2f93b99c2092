/**
 * Configuration, parsed once from the environment, typed and frozen.
 * A bad value stops the process at start-up with the variable's name.
 * Nothing else in the code reads process.env.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError, parseAllowlist } from './domain/index.js';

const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: 'arm',
  WORKER_CONCURRENCY: '4',
  LOG_LEVEL: 'info',
  DELIVERY_LOG: 'deliveries.log',
  SEND_ATTEMPTS: '8',
  BACKOFF_MS: '5000',
  SMTP_POOL_SIZE: '5',
  LEASE_MS: '120000',
  REPLICA_ACK_TIMEOUT_MS: '1000',
  JOB_LOCK_MS: '30000',
  STALLED_INTERVAL_MS: '30000',
  BREAKER_THRESHOLD: '20',
  BREAKER_COOLDOWN_MS: '60000',
  RATE_LIMIT_PER_SECOND: '0',
  UI_HOST: '127.0.0.1',
  UI_PORT: '3000',
  UI_SESSION_IDLE_MS: '28800000',
  UI_SESSION_LIFETIME_MS: '43200000',
  MAX_LETTER_AGE_DAYS: '60',
  BOUNCE_MAX_BYTES: '10485760',
  BOUNCE_UNMATCHED_DIR: 'bounces-unmatched',
  BOUNCE_IMAP_PROCESSED: 'Processed',
  BOUNCE_IMAP_POLL_MS: '60000',
  BOUNCE_MAX_CONNECTIONS: '20',
  BOUNCE_MAX_CONNECTIONS_PER_CLIENT: '5',
  BOUNCE_IDLE_TIMEOUT_MS: '30000',
  BOUNCE_SESSION_TIMEOUT_MS: '300000',
  BOUNCE_UNMATCHED_MAX_BYTES: '268435456',
  BOUNCE_UNMATCHED_MAX_FILES: '10000',
  BOUNCE_UNVERIFIED_MAX: '1000',
  REQUIRE_DURABLE_REDIS: '0',
  REGISTER_HOST: '127.0.0.1',
  REGISTER_PORT: '3001',
  CHROMIUM_PATH: '/usr/bin/chromium-headless-shell',
  PDF_TIMEOUT_MS: '30000',
  PDF_BROWSER_LETTERS: '200',
  PDF_PAGES: '2',
  EVIDENCE_DIR: 'evidence',
} as const;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * A server URL with one of `schemes`, checked as the client will read it: a
 * host, and credentials whose percent-escapes decode. Caught here, a bad URL
 * is a message naming the variable (exit 2), not an exception deep in
 * nodemailer or ioredis. The value is never echoed: it may hold a password.
 */
const serverUrl = (...schemes: string[]) =>
  z.string().superRefine((text, ctx) => {
    const problem = serverUrlProblem(text, schemes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function serverUrlProblem(text: string, schemes: string[]): string | undefined {
  const expected = schemes.map((s) => `${s}://`).join(' or ');
  if (!schemes.some((s) => text.startsWith(`${s}://`))) return `must start with ${expected}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a valid URL (${expected} then host:port, any user name and password before an @ and percent-encoded)`;
  }
  if (url.hostname === '') return 'names no host';
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'has a malformed percent-escape in its user name or password (write % as %25)';
  }
  return undefined;
}

/**
 * express's "trust proxy": a number of hops, or which proxies to trust
 * (loopback, linklocal, uniquelocal, addresses, subnets). `true` (trust every
 * hop) is refused: any client could then choose the address the sign-in limit
 * counts, by sending its own X-Forwarded-For.
 */
function trustProxyProblem(text: string): string | undefined {
  if (/^\d{1,2}$/.test(text)) return undefined;
  for (const part of text.split(',').map((p) => p.trim())) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(part)) continue;
    const [address = '', bits] = part.split('/');
    if (isIP(address) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits))) continue;
    return 'give the number of proxy hops (e.g. 1), or loopback, linklocal, uniquelocal and the proxies\' addresses or subnets, separated by commas ("true", trusting every hop, would let any client choose its own address)';
  }
  return undefined;
}

const envSchema = z.object({
  /** Redis for the queue and the ledger. redis:// or rediss:// (TLS), credentials in the URL. Default redis://127.0.0.1:6379. */
  REDIS_URL: serverUrl('redis', 'rediss'),
  /**
   * Redis Sentinel: `host:port,host:port,...`. When set, every connection asks these sentinels for the
   * current primary of REDIS_SENTINEL_NAME and follows it through a failover; REDIS_URL then gives only
   * the password, the database and TLS (rediss://). Default unset (REDIS_URL's host).
   */
  REDIS_SENTINELS: z
    .string()
    .transform((text, ctx) => {
      const nodes = text.split(',').map((entry) => entry.trim());
      const parsed = nodes.map((entry) => /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(entry));
      if (parsed.some((m) => m === null)) {
        ctx.addIssue({ code: 'custom', message: 'use host:port,host:port,... (e.g. sentinel-1:26379,sentinel-2:26379)' });
        return z.NEVER;
      }
      return parsed.map((m) => ({ host: (m as RegExpExecArray)[1]!.replace(/^\[|\]$/g, ''), port: Number((m as RegExpExecArray)[2]) }));
    })
    .optional(),
  /** The Sentinel master name of the primary (e.g. mymaster). Required with REDIS_SENTINELS. */
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only')
    .optional(),
  /**
   * 1: `worker` and `run` refuse to start when Redis may lose the ledger (maxmemory-policy other than
   * noeviction, or no persistence); 0: they only warn. Default 0.
   */
  REQUIRE_DURABLE_REDIS: z.enum(['0', '1'], 'use 1 or 0').transform((v) => v === '1'),
  /** The mail relay, smtp:// (STARTTLS when offered) or smtps:// (TLS), credentials in the URL. Required by `worker`. */
  SMTP_URL: serverUrl('smtp', 'smtps').optional(),
  /** Overrides the campaign's From address ("Name <address>" or an address). */
  MAIL_FROM: z
    .string()
    .refine((s) => !/[\r\n]/.test(s), 'must not contain a line break')
    .optional(),
  /** Prefix of every Redis key this tool writes, so several installations can share one Redis. Default arm. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_" only'),
  /** Letter jobs one worker process handles at once. Default 4. */
  WORKER_CONCURRENCY: integer(1, 256),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Path of the JSON-lines delivery log. Default deliveries.log. */
  DELIVERY_LOG: z.string().min(1),
  /** Attempts per letter job before it fails for good. Default 8. */
  SEND_ATTEMPTS: integer(1, 100),
  /** First retry delay; doubles each attempt, with jitter. Default 5000 ms. */
  BACKOFF_MS: integer(1, 3_600_000),
  /** Connections in the SMTP pool of one worker process. Default 5. */
  SMTP_POOL_SIZE: integer(1, 100),
  /**
   * How long a worker's claim on a recipient lasts before another may recover it.
   * A live worker renews it every third of it while its send is in flight, so this
   * is how soon a dead worker's recipients are sent again. Default 120000 ms.
   */
  LEASE_MS: integer(1000, 3_600_000),
  /**
   * With a replica, how long the ledger's claim before a send and its outcome
   * after wait for a replica to acknowledge them (WAIT 1); 0 turns the wait
   * off. Default 1000 ms.
   */
  REPLICA_ACK_TIMEOUT_MS: integer(0, 60_000),
  /** BullMQ lockDuration of a letter job: a worker that stops renewing it for this long has stalled. Default 30000 ms. */
  JOB_LOCK_MS: integer(1000, 3_600_000),
  /** How often each worker looks for stalled letter jobs (a worker that died mid-job). Default 30000 ms. */
  STALLED_INTERVAL_MS: integer(500, 3_600_000),
  /** Transient send failures in a row, across all workers, that pause the letters queue; 0 turns the breaker off. Default 20. */
  BREAKER_THRESHOLD: integer(0, 100_000),
  /** How long the breaker keeps the queue paused before it resumes it. Default 60000 ms. */
  BREAKER_COOLDOWN_MS: integer(100, 86_400_000),
  /** Messages per second the relay allows, across all workers (e.g. 0.5 for 30 a minute); 0 means no limit. Default 0. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(100_000),
  /** The Chromium that prints letters to PDF (workers, `publish`). Default /usr/bin/chromium-headless-shell (Debian's package). */
  CHROMIUM_PATH: z.string().min(1),
  /** A PDF not made within this time fails the attempt (transient) and the browser is replaced. Default 30000 ms. */
  PDF_TIMEOUT_MS: integer(1000, 600_000),
  /** Letters one browser prints before a fresh one replaces it, bounding its memory. Default 200. */
  PDF_BROWSER_LETTERS: integer(1, 100_000),
  /** Letters one worker process prints at once (tabs in its browser, each reused); more wait their turn. Default 2. */
  PDF_PAGES: integer(1, 64),
  /** Interface the `ui` listens on. Default 127.0.0.1 (loopback only). */
  UI_HOST: z.string().min(1),
  /** Port of the `ui`. Default 3000. */
  UI_PORT: integer(0, 65_535),
  /** The operator of the `ui` (may retry). Required, with UI_PASSWORD or UI_PASSWORD_HASH, unless `ui --demo` on loopback. */
  UI_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9._@-]+$/, 'use letters, digits, ".", "_", "@" and "-" only')
    .optional(),
  /** The operator's password, in clear; prefer UI_PASSWORD_HASH. */
  UI_PASSWORD: z.string().min(8, 'use at least 8 characters').optional(),
  /** The operator's password as `scrypt:<salt>:<key>` (print one with `ui --hash-password`). */
  UI_PASSWORD_HASH: z
    .string()
    .regex(/^scrypt:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, 'must be scrypt:<salt>:<key>, from `ui --hash-password`')
    .optional(),
  /** Read-only users of the `ui`: `name:secret,name2:secret2`, each secret a password or a `scrypt:...` hash. */
  UI_READONLY_USERS: z.string().optional(),
  /** Signs the `ui` session cookie; generated at start when unset (sessions then end when the ui restarts). */
  UI_SESSION_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /** A `ui` session unused for this long ends. Default 28800000 ms (8 hours). */
  UI_SESSION_IDLE_MS: integer(1000, 604_800_000),
  /**
   * A `ui` session ends this long after sign-in, however busy: the campaign page polls every
   * 2 s, so without it an open tab would keep a session for ever. Default 43200000 ms (12 hours).
   */
  UI_SESSION_LIFETIME_MS: integer(1000, 2_592_000_000),
  /**
   * Behind a reverse proxy: express's "trust proxy" setting (e.g. "loopback", "1" for one hop),
   * so the login rate limit counts real clients and cookies are marked secure over HTTPS. Default unset.
   */
  UI_TRUST_PROXY: z
    .string()
    .superRefine((text, ctx) => {
      const problem = trustProxyProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Test mode for `run` (same as `run --test-to`): every letter of the run goes to this one inbox, marked as a test. */
  TEST_RECIPIENT: z.email('must be one email address').optional(),
  /**
   * Comma-separated domains (example.org, @example.org) and addresses (name@example.org): when set, the worker
   * sends nothing to any other address, and `run` refuses data that has one. A domain does not cover its subdomains.
   */
  RECIPIENT_ALLOWLIST: z
    .string()
    .transform((text, ctx) => {
      const parsed = parseAllowlist(text);
      if (parsed.ok) return parsed.entries;
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    })
    .optional(),
  /** The scheduled run refuses a campaign whose letter date is more than this many days past. Default 60. */
  MAX_LETTER_AGE_DAYS: integer(0, 3650),
  /** Interface the public `register-server` listens on. Default 127.0.0.1. */
  REGISTER_HOST: z.string().min(1),
  /** Port of the `register-server`. Default 3001. */
  REGISTER_PORT: integer(0, 65_535),
  /** Signs the confirmation and withdrawal links the `register-server` emails (HMAC-SHA256). Required by it. */
  REGISTER_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /** The address people reach the `register-server` at, for the links in its emails. Default http://REGISTER_HOST:REGISTER_PORT. */
  REGISTER_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** DKIM: the signing domain (d=), e.g. ombudsman.example. Set with DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE, or none. */
  DKIM_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name, e.g. ombudsman.example')
    .optional(),
  /** DKIM: the selector (s=); the public key is published at <selector>._domainkey.<domain>. */
  DKIM_SELECTOR: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'use letters, digits, ".", "_" and "-" only')
    .optional(),
  /** DKIM: a PEM file with the RSA or Ed25519 private key; read and checked when `worker` starts, never logged. */
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  /**
   * Where bounces go: each letter's envelope sender becomes <local>+<token>@<domain> (VERP), the token naming the
   * delivery and signed with BOUNCE_SECRET. Unset: the envelope sender is the From address, as before.
   */
  BOUNCE_ADDRESS: z
    .email('must be one email address, e.g. bounces@ombudsman.example')
    .refine((s) => !s.split('@')[0]!.includes('+'), 'must not contain "+"')
    .optional(),
  /** Signs the VERP token (HMAC-SHA256). Required with BOUNCE_ADDRESS. */
  BOUNCE_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /** `bounces`: host:port its SMTP listener accepts bounces on, e.g. 0.0.0.0:2525. */
  BOUNCE_LISTEN: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:2525')
    .optional(),
  /** `bounces`: the largest bounce the listener accepts, in bytes. Default 10485760 (10 MiB). */
  BOUNCE_MAX_BYTES: integer(1024, 1_073_741_824),
  /** `bounces`: folder where a bounce that is not applied (unverified, matching nothing, unreadable) is kept, one .eml each. Default bounces-unmatched. */
  BOUNCE_UNMATCHED_DIR: z.string().min(1),
  /** `bounces`: the most BOUNCE_UNMATCHED_DIR may hold, in bytes; past it a message is recorded but not written. Default 268435456 (256 MiB). */
  BOUNCE_UNMATCHED_MAX_BYTES: integer(1_048_576, 1_099_511_627_776),
  /** `bounces`: the most files BOUNCE_UNMATCHED_DIR may hold. Default 10000. */
  BOUNCE_UNMATCHED_MAX_FILES: integer(1, 10_000_000),
  /** `bounces`: unverified bounces kept in Redis per campaign for the operator; the oldest go first. Default 1000. */
  BOUNCE_UNVERIFIED_MAX: integer(1, 1_000_000),
  /**
   * `bounces`: SMTP connections the listener holds at once, from all clients; more are answered 421. With
   * BOUNCE_MAX_BYTES it bounds the listener's memory (at worst their product). Default 20.
   */
  BOUNCE_MAX_CONNECTIONS: integer(1, 10_000),
  /** `bounces`: SMTP connections at once from one client address; more are answered 421. Default 5. */
  BOUNCE_MAX_CONNECTIONS_PER_CLIENT: integer(1, 10_000),
  /** `bounces`: a client silent this long is disconnected. Default 30000 ms. */
  BOUNCE_IDLE_TIMEOUT_MS: integer(1000, 3_600_000),
  /** `bounces`: a connection open this long is closed, however busy (a client that sends a byte at a time). Default 300000 ms. */
  BOUNCE_SESSION_TIMEOUT_MS: integer(1000, 86_400_000),
  /** `bounces`: a mailbox bounces arrive in, e.g. imaps://user:pass@mail.example/INBOX (imap:// is plain text: loopback only). */
  BOUNCE_IMAP_URL: serverUrl('imap', 'imaps').optional(),
  /** `bounces`: the mailbox folder each handled message is moved to, so none is read twice. Default Processed. */
  BOUNCE_IMAP_PROCESSED: z.string().min(1),
  /** `bounces`: how often to look in the mailbox when the server cannot say (no IDLE), in ms. Default 60000. */
  BOUNCE_IMAP_POLL_MS: integer(1000, 86_400_000),
  /**
   * Where every message handed to the relay is kept (as sent, by its sha256) for its campaign's retentionYears:
   * the same folder for every worker and for `evidence` (shared storage when workers run on several hosts).
   * Default evidence.
   */
  EVIDENCE_DIR: z.string().min(1),
  /**
   * `evidence`: a PEM file with the Ed25519 private key that signs evidence packs; `evidence-key` prints its
   * public key for whoever will run `verify`. Read when a pack is made, never logged.
   */
  EVIDENCE_SIGNING_KEY_FILE: z.string().min(1).optional(),
});

/** Settings that only work together: Sentinel's two, DKIM's three, and BOUNCE_ADDRESS with its secret. */
function checkTogether(env: z.infer<typeof envSchema>, ctx: z.RefinementCtx): void {
  if ((env.REDIS_SENTINELS === undefined) !== (env.REDIS_SENTINEL_NAME === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'set REDIS_SENTINELS and REDIS_SENTINEL_NAME together' });
  }
  const dkim = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_FILE'] as const;
  const set = dkim.filter((k) => env[k] !== undefined);
  if (set.length > 0 && set.length < dkim.length) {
    for (const k of dkim.filter((k) => env[k] === undefined)) {
      ctx.addIssue({ code: 'custom', path: [k], message: `required with ${set.join(' and ')}` });
    }
  }
  if (env.BOUNCE_ADDRESS && !env.BOUNCE_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['BOUNCE_SECRET'], message: 'required with BOUNCE_ADDRESS (signs the VERP token)' });
  }
}

export type Config = Readonly<z.infer<typeof envSchema>>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    input[key] = value === undefined || value === '' ? DEFAULTS[key as keyof typeof DEFAULTS] : value;
  }
  const result = envSchema.superRefine(checkTogether).safeParse(input);
  if (!result.success) {
    // Never echo the value: REDIS_URL, SMTP_URL and BOUNCE_IMAP_URL may hold passwords.
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(result.data);
}

/** SMTP_URL, or a clear error: the worker never falls back to a file sink on its own. */
export function requireSmtpUrl(config: Config): string {
  if (!config.SMTP_URL) {
    throw new ConfigError('SMTP_URL is required by the worker (smtp://user:pass@relay:587 or smtps://...)');
  }
  return config.SMTP_URL;
}
