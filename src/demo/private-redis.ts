/**
 * A private redis-server on a free loopback port, for the demo when no Redis
 * answers at REDIS_URL, and for tests that restart Redis on purpose.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '../logger.js';

export interface PrivateRedisOptions {
  /** Keep data in an append-only file (survives a restart on the same dir). Default false. */
  appendOnly?: boolean;
  /** Data directory; default a new temporary one, removed on stop. */
  dir?: string;
  /** Port; default a free one. */
  port?: number;
  /** Require this password (AUTH); `url` then carries it, as REDIS_URL would. Default none. */
  requirePass?: string;
  /** Serve TLS only, on `port`, with these PEM files; `url` is then rediss://. Default plain TCP. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  private ownsDir = false;
  port = 0;
  dir = '';

  constructor(private readonly options: PrivateRedisOptions = {}) {}

  get url(): string {
    const auth = this.options.requirePass ? `:${encodeURIComponent(this.options.requirePass)}@` : '';
    return `${this.options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}`;
  }

  /** Options our own clients need besides the URL: the CA of a TLS server's self-signed certificate. */
  private get clientOptions(): RedisOptions {
    return this.options.tls ? { tls: { ca: readFileSync(this.options.tls.caFile) } } : {};
  }

  async start(): Promise<string> {
    if (!this.dir) {
      this.ownsDir = !this.options.dir;
      this.dir = this.options.dir ?? (await mkdtemp(join(tmpdir(), 'arm-redis-')));
      this.port = this.options.port ?? (await freePort());
    }
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    if (this.options.requirePass) args.push('--requirepass', this.options.requirePass);
    if (this.options.tls) {
      const { certFile, keyFile, caFile } = this.options.tls;
      args.splice(0, 2, '--port', '0', '--tls-port', String(this.port));
      args.push('--tls-cert-file', certFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no');
    }
    args.push('--appendonly', this.options.appendOnly ? 'yes' : 'no');
    if (this.options.appendOnly) args.push('--appendfsync', 'always');
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    await this.waitForPing();
    return this.url;
  }

  /** SHUTDOWN (saving nothing beyond the append-only file), as an operator's restart would. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const client = new Redis(this.url, { ...this.clientOptions, lazyConnect: true, maxRetriesPerRequest: 0 });
    // SHUTDOWN closes the connection under the client: that is the point, not an error.
    client.on('error', () => {});
    await client
      .connect()
      .then(() => client.call('SHUTDOWN', 'NOSAVE'))
      .catch(() => child.kill('SIGTERM'));
    client.disconnect();
    await exited;
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and removes a temporary data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  private waitForPing(): Promise<void> {
    return waitForRedis(this.url, this.clientOptions);
  }
}

/** Waits up to 10 s for a redis-server just started at `url` to answer PING; refused connections until then are expected. */
export async function waitForRedis(url: string, clientOptions: RedisOptions = {}): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const client = new Redis(url, { ...clientOptions, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server did not answer at ${redactUrl(url)} within 10 s`);
}
