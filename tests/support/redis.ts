/**
 * Every test gets its own key prefix on the real Redis at REDIS_URL, and
 * deletes exactly those keys afterwards. Nothing here ever flushes a database.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../src/config.js';
import { deletePrefix } from '../../src/storage/delete-prefix.js';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

/** Where the workers of a test with this prefix keep their messages (EVIDENCE_DIR): removed with its keys. */
export function evidenceDirOf(prefix: string): string {
  return join(tmpdir(), 'arm-evidence', prefix);
}

/** A Config for one test: its own prefix, its own evidence folder, fast retries, the given SMTP server. */
export function testConfig(prefix: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    EVIDENCE_DIR: evidenceDirOf(prefix),
    LOG_LEVEL: 'silent',
    BACKOFF_MS: '50',
    SEND_ATTEMPTS: '5',
    WORKER_CONCURRENCY: '4',
    ...overrides,
  });
}

export async function cleanPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
  await rm(evidenceDirOf(prefix), { recursive: true, force: true });
}
