/**
 * Where the bench runs: a private redis-server of its own (so other people's
 * tests on the shared Redis neither slow it nor see its keys), or, with
 * --redis-url, a unique key prefix on that Redis, deleted afterwards. Data
 * sets come from scripts/generate-data.ts into a temporary directory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PrivateRedis, hasRedisServer } from '../../src/demo/private-redis.js';
import { connectProducer } from '../../src/redis.js';
import { deletePrefix } from '../../src/storage/delete-prefix.js';
import { generateData } from '../../scripts/generate-data.js';

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
  /** A generated data set of `authorities` rows (made once per size). */
  dataSet(authorities: number): Promise<{ dir: string; generateMs: number }>;
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
  const dataSets = new Map<number, Promise<{ dir: string; generateMs: number }>>();

  return {
    redisUrl,
    redisVersion,
    redisPid,
    redisDescription: server ? `private redis-server ${redisVersion} on port ${server.port}` : `${redisUrl} (unique prefixes, deleted after)`,
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
    dataSet(authorities) {
      let entry = dataSets.get(authorities);
      if (!entry) {
        entry = (async () => {
          const out = join(dir, `data-${authorities}`);
          const started = performance.now();
          generateData(out, authorities, 2024);
          if (!existsSync(join(out, 'campaign.json'))) throw new Error(`generate-data wrote no campaign.json to ${out}`);
          return { dir: out, generateMs: performance.now() - started };
        })();
        dataSets.set(authorities, entry);
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
