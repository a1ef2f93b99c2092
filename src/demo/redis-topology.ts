/**
 * A real replicated Redis for failover tests and `npm run chaos -- --failover`:
 * a primary, a replica and three sentinels, each a redis-server process
 * (`--sentinel` for the sentinels) on a free loopback port, in a temporary
 * folder. It can kill the primary (SIGKILL, as a lost machine), bring the
 * killed server back as a replica of the new one, and pause the replica
 * (SIGSTOP) so that it lags. Nothing here touches a system Redis or its
 * files; `destroy` kills every process and removes the folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitForRedis } from './private-redis.js';

export const MASTER_NAME = 'armtest';

interface Node {
  port: number;
  child: ChildProcess;
}

export class RedisTopology {
  private dir = '';
  readonly servers: Node[] = [];
  /** Servers killed by `killPrimary` and not yet brought back. */
  private readonly killed: Node[] = [];
  readonly sentinels: Node[] = [];

  /** Sentinel settings that make a failover take a few seconds, not half a minute. */
  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'arm-sentinel-'));
    const primary = await this.startServer([]);
    await this.startServer(['--replicaof', '127.0.0.1', String(primary.port)]);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(this.dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
      this.sentinels.push({ port, child });
      await waitForPing(port);
    }
    await this.waitForReplicaInSync();
  }

  get sentinelList(): Array<{ host: string; port: number }> {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  /** The port of the primary the sentinels name now. */
  async primaryPort(): Promise<number> {
    const sentinel = new Redis({ port: this.sentinels[0]!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await sentinel.connect();
      const [, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as [string, string];
      return Number(port);
    } finally {
      sentinel.disconnect();
    }
  }

  /**
   * SIGKILLs the current primary, as a lost machine would, and waits until the
   * sentinels name another. With `lagMs`, the replica is frozen that long
   * first and thawed just after the kill: the primary dies with writes the
   * replica never got, which the failover then loses.
   */
  async killPrimary(timeoutMs = 30_000, options: { lagMs?: number } = {}): Promise<number> {
    const before = await this.primaryPort();
    const node = this.servers.find((s) => s.port === before)!;
    if (options.lagMs) {
      await this.pauseReplica(true);
      await new Promise((resolve) => setTimeout(resolve, options.lagMs));
    }
    node.child.kill('SIGKILL');
    this.killed.push(node);
    if (options.lagMs) await this.pauseReplica(false);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await this.primaryPort().catch(() => before);
      if (now !== before) return now;
    }
    throw new Error(`no failover within ${timeoutMs} ms`);
  }

  /**
   * Starts every killed server again on its port and files, as a replica of
   * the current primary (the old primary's unreplicated writes are discarded
   * by the full resync), and waits until it is in sync: the next failover
   * has a replica to promote.
   */
  async restartKilledAsReplicas(): Promise<void> {
    const primary = await this.primaryPort();
    for (const node of this.killed.splice(0)) {
      await new Promise((resolve) =>
        node.child.exitCode !== null || node.child.signalCode !== null ? resolve(null) : node.child.once('exit', resolve),
      );
      this.servers.splice(this.servers.indexOf(node), 1);
      await this.startServer(['--replicaof', '127.0.0.1', String(primary)], node.port);
      await this.waitForReplicaInSync(node.port);
    }
  }

  /** The server that replicates the current primary and is running. */
  async replicaPort(): Promise<number> {
    const primary = await this.primaryPort();
    const replica = this.servers.find((s) => s.port !== primary && !this.killed.includes(s));
    if (!replica) throw new Error('no replica is running');
    return replica.port;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the replica: while frozen it falls behind the primary. */
  async pauseReplica(paused: boolean): Promise<void> {
    const port = await this.replicaPort();
    this.servers.find((s) => s.port === port)!.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Waits until the replica has every write the primary has (its offset equals the primary's). */
  async waitForReplicaCaughtUp(timeoutMs = 10_000): Promise<void> {
    const primary = new Redis({ port: await this.primaryPort(), lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await primary.connect();
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const info = await primary.info('replication');
        const offset = /^master_repl_offset:(\d+)/m.exec(info)?.[1];
        const replica = /^slave\d+:.*offset=(\d+)/m.exec(info)?.[1];
        if (offset !== undefined && offset === replica) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`the replica did not catch up within ${timeoutMs} ms`);
    } finally {
      primary.disconnect();
    }
  }

  /** SIGKILLs every process at once, without waiting (a process exiting in a hurry). */
  killAll(): void {
    for (const node of [...this.sentinels, ...this.servers]) {
      node.child.kill('SIGCONT');
      node.child.kill('SIGKILL');
    }
  }

  async destroy(): Promise<void> {
    for (const node of [...this.sentinels, ...this.servers]) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        const exited = new Promise((resolve) => node.child.once('exit', resolve));
        node.child.kill('SIGCONT');
        node.child.kill('SIGKILL');
        await exited;
      }
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async startServer(extra: string[], knownPort?: number): Promise<Node> {
    const port = knownPort ?? (await freePort());
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir, '--dbfilename', `dump-${port}.rdb`];
    args.push('--appendonly', 'yes', '--appenddirname', `aof-${port}`, '--save', '', ...extra);
    // A full sync starts at once: Redis's default waits 5 s for more replicas, most of a killed primary's way back.
    args.push('--repl-diskless-sync-delay', '0');
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const node = { port, child };
    this.servers.push(node);
    await waitForPing(port);
    return node;
  }

  private async waitForReplicaInSync(port = this.servers[1]!.port): Promise<void> {
    const replica = new Redis({ port, lazyConnect: true });
    try {
      await replica.connect();
      // A loaded machine can take a while to sync even a small data set; 30 s is far more than it needs here.
      for (let i = 0; i < 300; i++) {
        if (/master_link_status:up/.test(await replica.info('replication'))) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the replica never linked to its primary within 30 s');
    } finally {
      replica.disconnect();
    }
  }
}

function waitForPing(port: number): Promise<void> {
  return waitForRedis(`redis://127.0.0.1:${port}`);
}
