/**
 * Real worker processes for the fault-injection suite: `node
 * bin/annual-review-mailer.js worker`, exactly what an operator runs, with the
 * environment given, so SIGKILL kills a real process with real sockets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/annual-review-mailer.js', import.meta.url));

export interface WorkerChild {
  pid: number;
  /** Resolves when the process logs `worker.ready`; rejects if it exits first or does not get there in time. */
  ready: Promise<void>;
  isReady(): boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Log lines with an `event` this caller asked to keep (see spawnWorker's `keep`). */
  events: Array<Record<string, unknown>>;
  /** The last lines of stderr, for a failure message. */
  stderrTail(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, and SIGKILL if it has not stopped within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnWorkerOptions {
  /** Environment on top of this process's (REDIS_URL, SMTP_URL, QUEUE_PREFIX, ...). LOG_LEVEL must let `info` through for readiness. */
  env: Record<string, string>;
  /** Keep log lines whose event starts with one of these (e.g. 'breaker.', 'delivery.recovered'). */
  keep?: string[];
  /** Default 60 s: a cold start on a busy machine compiles the TypeScript sources first. */
  readyTimeoutMs?: number;
}

export function spawnWorker(options: SpawnWorkerOptions): WorkerChild {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'worker'], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start a worker process');
  const pid = child.pid;
  const events: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let ready = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const readyPromise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker ${pid} not ready within ${options.readyTimeoutMs ?? 60_000} ms`)),
      options.readyTimeoutMs ?? 60_000,
    );
    timer.unref();
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`worker ${pid} exited (${code}) before it was ready: ${stderr.slice(-5).join(' | ')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Parse only the lines worth parsing: every delivery is echoed here too.
      if (!line.includes('"event":"')) return;
      if (!ready && line.includes('"event":"worker.ready"')) {
        ready = true;
        clearTimeout(timer);
        resolve();
        return;
      }
      const keep = options.keep ?? [];
      if (keep.length === 0 || !keep.some((k) => line.includes(`"event":"${k}`))) return;
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut short by SIGKILL
      }
    });
  });
  readyPromise.catch(() => {});
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
  });

  return {
    pid,
    ready: readyPromise,
    isReady: () => ready && child.exitCode === null && child.signalCode === null,
    exited,
    events,
    stderrTail: () => stderr.join('\n'),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The pid inside a ledger owner "<host>:<pid>:<jobId>:<nonce>" (see workers/letter-worker.ts). */
export function ownerPid(owner: string | undefined): number | undefined {
  const pid = Number(owner?.split(':')[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
