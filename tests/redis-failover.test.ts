/**
 * Redis as a real deployment runs it: durable settings checked at start-up,
 * and a primary that fails over to its replica under Sentinel. Every server
 * here is a real redis-server on a private port, started and stopped by the
 * test; none is the machine's Redis.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { PrivateRedis } from '../src/demo/private-redis.js';
import { MASTER_NAME, RedisTopology } from '../src/demo/redis-topology.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { connectProducer, createRedis, redisTarget } from '../src/redis.js';
import { durabilityProblems } from '../src/redis-durability.js';
import { Ledger } from '../src/storage/ledger.js';
import { cleanPrefix, REDIS_URL, uniquePrefix } from './support/redis.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');

describe('start-up durability checks', () => {
  let volatile: PrivateRedis;
  let durable: PrivateRedis;
  beforeAll(async () => {
    volatile = new PrivateRedis();
    durable = new PrivateRedis({ appendOnly: true });
    await Promise.all([volatile.start(), durable.start()]);
    const admin = new Redis(volatile.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    admin.disconnect();
  });
  afterAll(async () => {
    await Promise.all([volatile?.destroy(), durable?.destroy()]);
  });

  it('finds nothing wrong with an append-only Redis that never evicts', async () => {
    const redis = new Redis(durable.url);
    try {
      expect(await durabilityProblems(redis)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('names an evicting policy and a Redis that keeps nothing on disk', async () => {
    const redis = new Redis(volatile.url);
    try {
      const problems = await durabilityProblems(redis);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/maxmemory-policy is allkeys-lru/);
      expect(problems[1]).toMatch(/keeps nothing on disk/);
    } finally {
      redis.disconnect();
    }
  });

  it('worker refuses to start on such a Redis with REQUIRE_DURABLE_REDIS=1, exit 2, naming both problems', async () => {
    const env = {
      ...process.env,
      REDIS_URL: volatile.url,
      REQUIRE_DURABLE_REDIS: '1',
      SMTP_URL: 'smtp://127.0.0.1:9',
      QUEUE_PREFIX: 'durability',
    };
    const failure = (await promisify(execFile)('node', [BIN, 'worker'], { env, timeout: 20_000 }).then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/REQUIRE_DURABLE_REDIS=1 and this Redis is not durable/);
    expect(failure?.stderr).toMatch(/allkeys-lru/);
    expect(failure?.stderr).toMatch(/keeps nothing on disk/);
  });
});

describe('replica acknowledgement without a replica', () => {
  it('does not hold a claim or an outcome up when the primary has no replica to wait for', async () => {
    const prefix = uniquePrefix('no-replica');
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.info('replication')).toMatch(/^connected_slaves:0/m);
      const ledger = new Ledger(redis, prefix, '2023-24', { replicaAckTimeoutMs: 5_000 });
      const started = Date.now();
      const delivery = {
        authorityId: 'alpha',
        recipient: 'ceo',
        role: 'ceo' as const,
        email: 'ceo@alpha.example.org',
        messageId: '<ceo@x>',
      };
      expect((await ledger.claim(delivery, 'w1', 60_000)).outcome).toBe('claimed');
      expect((await ledger.finish('alpha', 'ceo', 'w1', 'sent', { response: '250' })).acknowledged).toBe(true);
      // A WAIT for a replica that is not there would have taken the whole 5 s timeout.
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await cleanPrefix(prefix);
      redis.disconnect();
    }
  });
});

describe('Redis Sentinel', () => {
  let topology: RedisTopology | undefined;
  afterEach(async () => {
    await topology?.destroy();
    topology = undefined;
  });

  it('reads REDIS_SENTINELS and REDIS_SENTINEL_NAME together, and refuses one without the other', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:secret@ignored:6379/2',
      REDIS_SENTINELS: 'a.example:26379, [::1]:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
    });
    expect(redisTarget(config)).toEqual({
      url: 'redis://:secret@ignored:6379/2',
      sentinels: [
        { host: 'a.example', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
    });
    expect(() => loadConfig({ REDIS_SENTINELS: 'a.example:26379' })).toThrow(
      /REDIS_SENTINEL_NAME: set REDIS_SENTINELS and REDIS_SENTINEL_NAME together/,
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 'a.example', REDIS_SENTINEL_NAME: 'm' })).toThrow(/REDIS_SENTINELS: use host:port/);
  });

  it('a worker connection follows the primary to the promoted replica when the primary is SIGKILLed', async () => {
    topology = new RedisTopology();
    await topology.start();
    const target = { url: 'redis://127.0.0.1', sentinels: topology.sentinelList, name: MASTER_NAME };
    const worker = createRedis(target, 'worker');
    worker.on('error', () => {});
    try {
      const before = await topology.primaryPort();
      await worker.set('written-before', '1');
      // WAIT: the write reached the replica, so the failover cannot lose it.
      expect(await worker.call('WAIT', '1', '5000')).toBe(1);

      const after = await topology.killPrimary();
      expect(after).not.toBe(before);

      // The same connection, with no help from the test, now writes to the new primary.
      await worker.set('written-after', '1');
      expect(await worker.get('written-before')).toBe('1');
      const role = ((await worker.call('ROLE')) as [string])[0];
      expect(role).toBe('master');
      expect(((await worker.call('CONFIG', 'GET', 'port')) as string[])[1]).toBe(String(after));

      // A producer (fail-fast) opened after the failover finds the new primary too.
      const producer = await connectProducer(target);
      expect(await producer.get('written-after')).toBe('1');
      producer.disconnect();
    } finally {
      worker.disconnect();
    }
  }, 60_000);

  it('a claim waits for the replica: acknowledged while the replica keeps up, unacknowledged (no send) while it lags', async () => {
    topology = new RedisTopology();
    await topology.start();
    const redis = createRedis({ url: 'redis://127.0.0.1', sentinels: topology.sentinelList, name: MASTER_NAME }, 'worker');
    redis.on('error', () => {});
    try {
      // Long enough that a replica keeping up always answers in time on a loaded machine (it failed once at 300 ms).
      const ACK_MS = 1500;
      const ledger = new Ledger(redis, 'ack', '2023-24', { replicaAckTimeoutMs: ACK_MS });
      const delivery = (recipient: string) => ({
        authorityId: 'alpha',
        recipient,
        role: 'ceo' as const,
        email: `${recipient}@alpha.example.org`,
        messageId: `<${recipient}@x>`,
      });

      expect((await ledger.claim(delivery('ceo'), 'w1', 60_000)).outcome).toBe('claimed');
      expect((await ledger.finish('alpha', 'ceo', 'w1', 'sent', { response: '250' })).acknowledged).toBe(true);

      await topology.pauseReplica(true);
      const lagging = await ledger.claim(delivery('leader'), 'w2', 60_000);
      expect(lagging.outcome).toBe('unacknowledged');
      // The outcome is written and waited for three times before it is called unacknowledged.
      const started = Date.now();
      expect((await ledger.finish('alpha', 'leader', 'w2', 'temporary-failure', { response: '451' })).acknowledged).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3 * ACK_MS - 50);
      await topology.pauseReplica(false);

      // Caught up again, the same recipient is claimed and acknowledged.
      expect((await ledger.claim(delivery('leader'), 'w3', 60_000)).outcome).toBe('claimed');
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});
