/**
 * The command line contract operators and scripts depend on, run as a real
 * process through the package's bin.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/private-redis.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { writeDataSet } from './support/data-set.js';
import { cleanPrefix, uniquePrefix } from './support/redis.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
/** The key prefix of the demo that runs on the Redis at REDIS_URL: the demo adds "-demo" to it. */
const DEMO_PREFIX = uniquePrefix('cli-demo-pdf');
/** The Chromium major version the npm package ships: the PDF's Producer names it. */
const SPARTICUZ_MAJOR = (
  JSON.parse(
    await readFile(join(createRequire(import.meta.url).resolve('@sparticuz/chromium'), '..', '..', '..', 'package.json'), 'utf8'),
  ) as { version: string }
).version.split('.')[0];
let dir = '';

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-cli-'));
});
afterAll(async () => {
  await cleanPrefix(`${DEMO_PREFIX}-demo`);
  await rm(dir, { recursive: true, force: true });
});

describe('the command line', () => {
  it('validate reports a broken row as file:line: field: reason and exits 1', async () => {
    const data = await writeDataSet(join(dir, 'broken'), [{ id: 'alpha' }, { id: 'beta', stats: [3, 5, 0, 0, 0] }]);
    const result = await cli(['validate', '--data', data]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^authorities\.csv:3: upheld: .*5.*3/m);
  });

  it('validate accepts the bundled sample and says how many deliveries it holds', async () => {
    const result = await cli(['validate', '--data', join(PACKAGE_ROOT, 'data', 'sample')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: campaign 2023-24, \d+ authorities, \d+ deliveries$/m);
  });

  it("render prints the chief executive's letter as text by default, and a copy for another recipient", async () => {
    const sample = join(PACKAGE_ROOT, 'data', 'sample');
    const ceo = await cli(['render', '--data', sample, '--authority', 'lcrca']);
    expect(ceo.code).toBe(0);
    expect(ceo.stdout).toContain('Dear Ms Fairclough');
    expect(ceo.stdout).not.toMatch(/copy of the letter/i);
    const head = await cli(['render', '--data', sample, '--authority', 'lcrca', '--recipient', 'head', '--format', 'html']);
    expect(head.stdout).toMatch(/^<!doctype html>/i);
    expect(head.stdout).toMatch(/copy of the letter/i);
  });

  it('render names the recipients an authority has when asked for one it has not', async () => {
    const result = await cli(['render', '--data', join(PACKAGE_ROOT, 'data', 'sample'), '--authority', 'lcrca', '--recipient', 'mo-9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no recipient mo-9; it has ceo, head/);
  });

  it('worker refuses to start without SMTP_URL, naming the variable', async () => {
    const result = await cli(['worker'], { SMTP_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SMTP_URL is required/);
  });

  it('a bad environment value stops the command naming the variable but not echoing the value', async () => {
    const result = await cli(['report', '--campaign', 'x'], { REDIS_URL: 'http://user:hunter2@example.org' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/REDIS_URL: must start with redis:\/\//);
    expect(result.stderr).not.toContain('hunter2');
  });

  it.each([
    ['SMTP_URL', 'smtp://u:hunter2@', 'worker', /SMTP_URL: is not a valid URL/],
    ['SMTP_URL', 'smtp://u:hunter2%zz@relay.example.org:587', 'worker', /SMTP_URL: has a malformed percent-escape/],
    ['REDIS_URL', 'redis://:hunter2@[bad', 'report', /REDIS_URL: is not a valid URL/],
    ['UI_TRUST_PROXY', 'true', 'report', /UI_TRUST_PROXY: give the number of proxy hops/],
  ])('a bad %s (%s) is a message naming it and exit 2, not a crash', async (name, value, command, message) => {
    const result = await cli([command, '--campaign', 'x'].slice(0, command === 'worker' ? 1 : 3), { [name]: value });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.code).toBe(2);
  });

  it('demo starts a private redis-server when none answers at REDIS_URL, and stops it after', async () => {
    const data = await writeDataSet(join(dir, 'small'), [{ id: 'alpha' }, { id: 'beta', head: false }]);
    const outbox = join(dir, 'outbox');
    const result = await cli(['demo', '--data', data, '--outbox', outbox], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(result.code).toBe(0);
    const port = /started a private redis-server on redis:\/\/127\.0\.0\.1:(\d+)/.exec(result.stderr)?.[1];
    expect(port).toBeDefined();
    expect(result.stdout).toMatch(/2 authorities, 3 deliveries: 3 sent/);
    expect((await readdir(join(outbox, '2023-24', 'alpha'))).sort()).toEqual(['ceo.eml', 'head.eml']);
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  }, 60_000);

  it('demo says how to get Redis when none answers and no redis-server is installed', async () => {
    // A PATH holding node alone: no redis-server to start.
    const bin = join(dir, 'only-node');
    await mkdir(bin, { recursive: true });
    await symlink(process.execPath, join(bin, 'node'));
    const result = await cli(['demo', '--outbox', join(dir, 'unused')], { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PATH: bin });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/apt-get install redis-server/);
    expect(result.stderr).toMatch(/docker compose up -d redis/);
  });

  it('demo prints the PDFs with the Chromium shipped in @sparticuz/chromium when CHROMIUM_PATH has none, and says which it used', async () => {
    const data = await writeDataSet(join(dir, 'pdf-small'), [{ id: 'alpha', stats: [4, 3, 2, 2, 1] }]);
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'both' }));
    const outbox = join(dir, 'no-debian-chromium');
    const missing = join(dir, 'no-chromium-here');
    const result = await cli(['demo', '--data', data, '--outbox', outbox], { CHROMIUM_PATH: missing, QUEUE_PREFIX: DEMO_PREFIX });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^demo: the letters' PDFs are printed by the Chromium of the npm package @sparticuz/chromium [\\d.]+, unpacked to .* \\(there is no ${missing}, CHROMIUM_PATH\\)$`,
        'm',
      ),
    );
    expect(result.stdout).toMatch(/1 authorities, 2 deliveries: 2 sent/);
    const mail = await simpleParser(await readFile(join(outbox, '2023-24', 'alpha', 'ceo.eml')));
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf')!.content;
    expect(/\/Producer \(Skia\/PDF m(\d+)\)/.exec(pdf.toString('latin1'))?.[1]).toBe(SPARTICUZ_MAJOR);
  }, 120_000);

  it('run refuses a data directory that does not exist, naming the missing files', async () => {
    const result = await cli(['run', '--data', join(dir, 'missing'), '--no-wait']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^campaign\.json: file not found$/m);
    expect(result.stderr).toMatch(/nothing was enqueued/);
  });
});
