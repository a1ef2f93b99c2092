/**
 * A command's output arrives whole wherever it goes: a terminal, a file, or
 * a pipe whose reader is slower than the command. Run as a real process
 * through the package's bin, against the real Redis.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../src/domain/index.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { Ledger } from '../src/storage/ledger.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from './support/redis.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
const CAMPAIGN = 'piped';
// Far more than a pipe holds (64 KiB): about 250 KiB of CSV, 800 KiB of JSON.
const DELIVERIES = 3000;
const prefix = uniquePrefix('cli-output');

/** Runs the CLI with stdout on a pipe that nobody reads for `stallMs`, then reads it all. */
function runThroughSlowPipe(args: string[], stallMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [BIN, ...args], { env: { ...process.env, REDIS_URL, QUEUE_PREFIX: prefix } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    // No reader yet: the pipe fills and the command's writes wait for us.
    setTimeout(() => child.stdout.on('data', (chunk: Buffer) => out.push(chunk)), stallMs);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

beforeAll(async () => {
  const redis = new Redis(REDIS_URL);
  try {
    const deliveries: NewDelivery[] = Array.from({ length: DELIVERIES }, (_, i) => ({
      authorityId: `authority-${String(i).padStart(4, '0')}`,
      recipient: 'ceo',
      role: 'ceo',
      email: `chief.executive.${i}@authority-${i}.example.org`,
      messageId: `<${CAMPAIGN}-${i}@annual-review.example.org>`,
    }));
    await new Ledger(redis, prefix, CAMPAIGN).seed(deliveries);
  } finally {
    redis.disconnect();
  }
});
afterAll(() => cleanPrefix(prefix));

describe('command output through a slow pipe', () => {
  it('report --format csv delivers every row to a reader that starts late, and exits 0', async () => {
    const result = await runThroughSlowPipe(['report', '--campaign', CAMPAIGN, '--format', 'csv'], 1500);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(DELIVERIES + 1);
    expect(lines.at(-1)).toMatch(/^authority-2999,,ceo,/);
  });

  it('report --format json delivers a complete document to a reader that starts late', async () => {
    const result = await runThroughSlowPipe(['report', '--campaign', CAMPAIGN, '--format', 'json'], 1500);
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(65_536);
    const rows = JSON.parse(result.stdout) as Array<{ authority: string }>;
    expect(rows).toHaveLength(DELIVERIES);
    expect(new Set(rows.map((r) => r.authority)).size).toBe(DELIVERIES);
  });

  it('report into a reader that stops early (| head) ends quietly with the status a shell gives SIGPIPE', async () => {
    const script = `set -o pipefail; node "$BIN" report --campaign ${CAMPAIGN} | head -n 2`;
    const run = promisify(execFile)('bash', ['-c', script], { env: { ...process.env, BIN, REDIS_URL, QUEUE_PREFIX: prefix } });
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stdout: string; stderr: string } | null;
    expect(failure?.code).toBe(141);
    expect(failure?.stdout.split('\n')[1]).toMatch(/^authority-\d{4},,ceo,/);
    expect(failure?.stderr).toBe('');
  });
});
