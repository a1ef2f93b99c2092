/**
 * Where the bench runs: a private redis-server of its own (so other people's
 * tests on the shared Redis neither slow it nor see its keys), or, with
 * --redis-url, a unique key prefix on that Redis, deleted afterwards. Data
 * sets come from scripts/generate-data.ts into a temporary directory, with
 * the campaign's `letterAs` set by the bench rather than inherited from the
 * bundled sample: "body" unless a figure asks for PDFs, so every figure
 * measured before PDFs existed still measures the same letters.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateData } from '../../scripts/generate-data.js';
import { hasRedisServer, PrivateRedis } from '../../src/demo/private-redis.js';
import type { Campaign } from '../../src/domain/index.js';
import { connectProducer } from '../../src/redis.js';
import { deletePrefix } from '../../src/storage/delete-prefix.js';

export type LetterAs = Campaign['letterAs'];

export interface BenchEnvironment {
  redisUrl: string;
  redisVersion: string;
  /** The redis-server's pid when it runs on this machine (for its CPU time), else null. */
  redisPid: number | null;
  /** "private redis-server 7.0.15 on port N" or "REDIS_URL with prefix P". */
  redisDescription: string;
  dir: string;
  /** A fresh key prefix for one measurement. */
  prefix(name: string): string;
  /** Deletes every key under a prefix this bench made. */
  clean(prefix: string): Promise<void>;
  /**
   * A generated data set of `authorities` rows whose campaign carries the letter
   * as `letterAs` (default "body": no PDFs), made once per size and `letterAs`.
   */
  dataSet(authorities: number, letterAs?: LetterAs): Promise<{ dir: string; generateMs: number }>;
  close(): Promise<void>;
}

export async function openEnvironment(options: { redisUrl?: string; keepDir?: boolean }): Promise<BenchEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'arm-bench-'));
  const run = randomBytes(3).toString('hex');
  let server: PrivateRedis | undefined;
  let redisUrl = options.redisUrl;
  if (!redisUrl) {
    if (!hasRedisServer()) throw new Error('no redis-server installed: install it, or pass --redis-url redis://host:port');
    server = new PrivateRedis();
    redisUrl = await server.start();
  }
  const admin = await connectProducer(redisUrl);
  const info = await admin.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(redisUrl).hostname);
  const redisPid = local ? Number(/process_id:(\d+)/.exec(info)?.[1] ?? NaN) || null : null;
  const made = new Set<string>();
  const dataSets = new Map<string, Promise<{ dir: string; generateMs: number }>>();

  return {
    redisUrl,
    redisVersion,
    redisPid,
    redisDescription: server
      ? `private redis-server ${redisVersion} on port ${server.port}`
      : `${redisUrl} (unique prefixes, deleted after)`,
    dir,
    prefix(name) {
      const prefix = `bench-${run}-${name}`;
      made.add(prefix);
      return prefix;
    },
    async clean(prefix) {
      await deletePrefix(admin, prefix);
      made.delete(prefix);
    },
    dataSet(authorities, letterAs = 'body') {
      const key = `${authorities}-${letterAs}`;
      let entry = dataSets.get(key);
      if (!entry) {
        entry = (async () => {
          const out = join(dir, `data-${key}`);
          const started = performance.now();
          generateData(out, authorities, 2024);
          const generateMs = performance.now() - started;
          const campaignFile = join(out, 'campaign.json');
          if (!existsSync(campaignFile)) throw new Error(`generate-data wrote no campaign.json to ${out}`);
          const settings = JSON.parse(readFileSync(campaignFile, 'utf8')) as Record<string, unknown>;
          writeFileSync(campaignFile, `${JSON.stringify({ ...settings, letterAs }, null, 2)}\n`);
          return { dir: out, generateMs };
        })();
        dataSets.set(key, entry);
      }
      return entry;
    },
    async close() {
      for (const prefix of made) await deletePrefix(admin, prefix).catch(() => 0);
      await admin.quit().catch(() => admin.disconnect());
      await server?.destroy();
      if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
