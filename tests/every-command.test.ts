/**
 * Every command on every campaign: each folder under data/, and a fixture
 * with a copy role from contacts.csv and an authority's own attachment, as
 * an operator runs them (the package's bin, in its own process, against the
 * real Redis and an SMTP server; a real `worker` process sends). Each campaign
 * is cut to a few authorities that show every kind, a missing political head
 * and every attachment (tests/support/campaign-slice.ts), so the whole runs in
 * a minute or two. Every command exits 0, every planned letter is sent once,
 * the console shows every role's letter, and an expected failure prints a
 * one-line error, never a stack trace.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { SmtpSink } from '../src/demo/smtp-sink.js';
import { createLogger } from '../src/logger.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { connectProducer } from '../src/redis.js';
import { hashPassword } from '../src/ui/passwords.js';
import { type RunningUi, startUi } from '../src/ui/server.js';
import { sliceCampaign } from './support/campaign-slice.js';
import { addAttachment, addCopyRole } from './support/data-set.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from './support/redis.js';
import { UiClient } from './support/ui-harness.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
const CAMPAIGNS = readdirSync(join(PACKAGE_ROOT, 'data'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The command must succeed, and say nothing that looks like a crash. */
function ok(result: Result, what: string): Result {
  expect(result.stderr, what).not.toMatch(STACK_LINE);
  expect(result.code, `${what}: ${result.stderr}`).toBe(0);
  return result;
}

/** The command must fail as expected (exit 1 or 2), with its reason on one line and no stack trace. */
function refused(result: Result, reason: RegExp): void {
  expect(result.code).toBeGreaterThan(0);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(STACK_LINE);
}

const OPERATOR = { name: 'olivia', password: 'operator-secret-1' };

interface Fixture {
  name: string;
  /** The sliced campaign folder. */
  dir: string;
}

let root = '';
const fixtures: Fixture[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'arm-every-command-'));
  for (const name of CAMPAIGNS) {
    const dir = join(root, name);
    await sliceCampaign(join(PACKAGE_ROOT, 'data', name), dir);
    fixtures.push({ name, dir });
  }
  // The fixture: the latest campaign with a copy role from contacts.csv and one more authority's own file.
  const latest = CAMPAIGNS.at(-1)!;
  const dir = join(root, `${latest}-with-contacts`);
  const ids = await sliceCampaign(join(PACKAGE_ROOT, 'data', latest), dir);
  await addCopyRole(
    dir,
    { role: 'scrutiny-chair', title: 'Chair of Scrutiny' },
    ids.slice(0, 2).map((id, i) => ({ authorityId: id, name: `Sam Scrutiny ${i + 1}`, email: `scrutiny.chair@${id}.example.org` })),
  );
  await addAttachment(dir, ids[1]!, 'Decisions.csv', 'case,decision\n1,upheld\n');
  fixtures.push({ name: `${latest} with a copy role and an attachment`, dir });
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe.each(CAMPAIGNS.map((name, i) => ({ name, index: i })).concat([{ name: 'fixture', index: CAMPAIGNS.length }]))(
  'every command on $name',
  ({ index }) => {
    it('validates, approves, schedules, lists and removes the schedule, dry-runs, previews, publishes, runs with a worker process, reports, packs the evidence of what was sent and verifies it, and shows every letter in the console', async () => {
      const fixture = fixtures[index]!;
      const prefix = uniquePrefix('every-command');
      const work = await mkdtemp(join(root, 'work-'));
      const sink = new SmtpSink();
      const smtpUrl = await sink.start();
      const env = {
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        SMTP_URL: smtpUrl,
        DELIVERY_LOG: join(work, 'deliveries.log'),
        EVIDENCE_DIR: join(work, 'evidence'),
        LOG_LEVEL: 'warn',
      };
      let worker: ChildProcess | undefined;
      let ui: RunningUi | undefined;
      const redis = await connectProducer(REDIS_URL);
      try {
        const data = fixture.dir;
        const validated = ok(await cli(['validate', '--data', data], env), 'validate');
        const planned = Number(/(\d+) deliveries/.exec(validated.stdout)?.[1]);
        expect(planned).toBeGreaterThan(0);
        const campaignId = /campaign (\S+),/.exec(validated.stdout)![1]!;

        ok(await cli(['approve', '--data', data, '--by', 'Tester'], env), 'approve');
        ok(await cli(['schedule', '--data', data, '--by', 'Tester'], env), 'schedule --data');
        expect(ok(await cli(['schedule'], env), 'schedule').stdout).toContain(`  ${campaignId}: cron "`);
        ok(await cli(['schedule', '--remove', '--campaign', campaignId, '--by', 'Tester'], env), 'schedule --remove');

        const dry = ok(await cli(['run', '--data', data, '--dry-run'], env), 'run --dry-run');
        const rows = parse(dry.stdout, { columns: true }) as Array<{ authority: string; recipient: string; role: string }>;
        expect(rows).toHaveLength(planned);

        ok(await cli(['preview', '--data', data, '--out', join(work, 'preview')], env), 'preview');
        expect(existsSync(join(work, 'preview', 'index.html'))).toBe(true);
        ok(await cli(['publish', '--data', data, '--out', join(work, 'publish')], env), 'publish');
        const authorities = new Set(rows.map((r) => r.authority));
        expect((await readdir(join(work, 'publish'))).filter((f) => f.endsWith('.pdf'))).toHaveLength(authorities.size);

        for (const { authority, recipient } of rows.filter((r, i) => rows.findIndex((o) => o.role === r.role) === i)) {
          ok(await cli(['render', '--data', data, '--authority', authority, '--recipient', recipient], env), `render ${recipient}`);
        }

        worker = spawn('node', [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
        const run = ok(await cli(['run', '--data', data, '--by', 'Tester'], env), 'run');
        expect(run.stdout).toContain(`${planned} deliveries: ${planned} sent`);
        const counts = sink.countsByMessageId();
        expect(counts.size).toBe(planned);
        expect([...counts.values()].every((n) => n === 1)).toBe(true);

        const report = ok(await cli(['report', '--campaign', campaignId], env), 'report');
        const reported = parse(report.stdout, { columns: true }) as Array<{ status: string }>;
        expect(reported).toHaveLength(planned);
        expect(reported.every((r) => r.status === 'sent')).toBe(true);

        // What was sent, as proof: a signed pack, and verify with nothing but the pack and the public key.
        const signingKey = join(work, 'evidence-signing.pem');
        await writeFile(signingKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        const signing = { ...env, EVIDENCE_SIGNING_KEY_FILE: signingKey };
        const publicKey = join(work, 'evidence-public.pem');
        await writeFile(publicKey, ok(await cli(['evidence-key'], signing), 'evidence-key').stdout);
        const pack = join(work, 'pack');
        ok(await cli(['evidence', '--campaign', campaignId, '--data', data, '--out', pack, '--by', 'Tester'], signing), 'evidence');
        const verified = ok(await cli(['verify', pack, '--key', publicKey], env), 'verify');
        expect(verified.stdout).toContain(`${planned} letters made again from them, identical`);
        // An information request: one authority's letters, its PDF printed again and compared byte for byte.
        const one = rows[0]!.authority;
        const onePack = join(work, 'pack-one');
        ok(
          await cli(
            ['evidence', '--campaign', campaignId, '--data', data, '--out', onePack, '--authority', one, '--by', 'Tester'],
            signing,
          ),
          'evidence --authority',
        );
        const oneVerified = ok(await cli(['verify', onePack, '--key', publicKey, '--pdf'], env), 'verify --pdf');
        expect(oneVerified.stdout).toContain(`, authority ${one}:`);
        const { letterAs = 'body' } = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as { letterAs?: string };
        if (letterAs === 'body') expect(oneVerified.stdout).not.toContain('PDFs');
        else expect(oneVerified.stdout).toMatch(/\n {2}[1-9]\d* letter PDFs printed again, identical\n/);

        // The console: every role's letter as it was sent.
        const users = [{ name: OPERATOR.name, role: 'operator' as const, secret: await hashPassword(OPERATOR.password) }];
        ui = await startUi({
          config: loadConfig({ ...env, UI_HOST: '127.0.0.1' }),
          redis,
          prefix,
          users,
          log: createLogger({ level: 'silent' }),
          host: '127.0.0.1',
          port: 0,
        });
        const client = new UiClient(ui.url);
        expect((await client.login(OPERATOR.name, OPERATOR.password)).status).toBe(303);
        for (const { authority, recipient, role } of rows.filter((r, i) => rows.findIndex((o) => o.role === r.role) === i)) {
          const letter = await client.get(`/api/campaigns/${campaignId}/authorities/${authority}/letters/${recipient}`);
          expect(letter.status, `the console's letter of ${authority}/${recipient} (${role})`).toBe(200);
        }

        // Expected failures: one line saying why, no stack trace.
        refused(
          await cli(['report', '--campaign', 'no-such-campaign'], env),
          /^error: no deliveries recorded for campaign no-such-campaign/,
        );
        refused(
          await cli(['cancel', '--campaign', 'no-such-campaign', '--by', 'Tester'], env),
          /^error: campaign no-such-campaign is not stored/,
        );
        refused(await cli(['schedule', '--remove', '--campaign', 'no-such-campaign', '--by', 'Tester'], env), /is not scheduled/);
        refused(
          await cli(['evidence', '--campaign', 'no-such-campaign', '--data', data, '--out', join(work, 'no-pack'), '--by', 'Tester'], {
            ...env,
            EVIDENCE_SIGNING_KEY_FILE: join(work, 'evidence-signing.pem'),
          }),
          /^error: campaign no-such-campaign is not stored/,
        );
        refused(
          await cli(['evidence', '--campaign', campaignId, '--data', data, '--out', join(work, 'no-pack'), '--by', 'Tester'], env),
          /^error: EVIDENCE_SIGNING_KEY_FILE is not set/,
        );
        const [first] = rows;
        refused(
          await cli(
            [
              'readdress',
              '--campaign',
              campaignId,
              '--authority',
              first!.authority,
              '--recipient',
              first!.recipient,
              '--email',
              'new@example.org',
              '--by',
              'Tester',
            ],
            env,
          ),
          /is sent; only a bounced or permanent-failure delivery can be readdressed/,
        );
        refused(await cli(['validate', '--data', join(work, 'no-such-folder')], env), /^error: /);
      } finally {
        if (worker && worker.exitCode === null) {
          const exited = new Promise((resolve) => worker!.once('exit', resolve));
          worker.kill('SIGTERM');
          await exited;
        }
        await ui?.close();
        await sink.stop();
        await redis.quit();
        await cleanPrefix(prefix);
      }
    }, 300_000);
  },
);
