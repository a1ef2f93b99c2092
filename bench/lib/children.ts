/**
 * Child processes of the bench: the SMTP sink, measured clients, and workers
 * started exactly as an operator starts them (`node bin/annual-review-mailer.js
 * worker`), with their peak memory read from /proc.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../src/paths.js';
import type { ClientResult, ClientTask } from './client-process.js';
import type { SinkReply, SinkRequest } from './sink-process.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const TSX = ['--import', 'tsx'];

function onceMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`child ${child.pid} exited (${code}) before sending '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export interface Sink {
  url: string;
  pid: number;
  reset(): void;
  /** Resolves with Date.now() (in the sink) when `count` messages have arrived since the last reset. */
  reached(count: number): Promise<number>;
  stats(): Promise<Extract<SinkReply, { type: 'stats' }>>;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const child = fork(here('./sink-process.ts'), [], { execArgv: TSX, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await onceMessage<Extract<SinkReply, { type: 'ready' }>>(child, 'ready');
  const request = (r: SinkRequest) => child.send(r);
  return {
    url: ready.url,
    pid: child.pid!,
    reset: () => request({ type: 'reset' }),
    async reached(count) {
      const reply = new Promise<number>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`sink exited (${code})`));
        const onMessage = (m: SinkReply) => {
          if (m.type === 'reached' && m.count === count) {
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(m.at);
          }
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
      });
      request({ type: 'await', count });
      return reply;
    },
    async stats() {
      const reply = onceMessage<Extract<SinkReply, { type: 'stats' }>>(child, 'stats');
      request({ type: 'stats' });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      request({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface MeasuredClient extends ClientResult {
  /** When the sink counted the last message, Date.now(). */
  sinkReachedAt: number;
  /** count / (sinkReachedAt - startedAt), per second. */
  perSecond: number;
  /** CPU the sink used in this run, ms (NaN without a sink). */
  sinkCpuMs: number;
  /** When the sink counted each of the `marks` asked for, Date.now(). */
  marksAt: number[];
}

/** Runs one client task in a fresh process; the clock stops when the sink has every message. */
export async function runClient(
  task: ClientTask,
  sink: Sink | null,
  nodeFlags: string[] = [],
  /** Called with the client's pid as its timed part starts (to attach strace, say). */
  onStarted?: (pid: number) => void,
  /** Message counts to time as well (the sink's clock), e.g. the end of a warm-up. */
  marks: number[] = [],
): Promise<MeasuredClient> {
  const child = fork(here('./client-process.ts'), [JSON.stringify(task)], {
    execArgv: [...nodeFlags, ...TSX],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  sink?.reset();
  const sinkBefore = sink ? (await sink.stats()).cpuMs : NaN;
  const marksAt = sink ? marks.map((count) => sink.reached(count)) : [];
  const outcome = await new Promise<ClientResult>((resolve, reject) => {
    child.on('message', (m: { type: string; result?: ClientResult; message?: string }) => {
      if (m.type === 'started') onStarted?.(child.pid!);
      if (m.type === 'result') resolve(m.result!);
      if (m.type === 'error') reject(new Error(`client ${task.mode} failed: ${m.message}`));
    });
    child.once('exit', (code) => reject(new Error(`client ${task.mode} exited (${code}) without a result`)));
  });
  const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  const sinkReachedAt = sink ? await sink.reached(outcome.count) : outcome.endedAt;
  // A profiled client writes its profile as it exits.
  await exited;
  const sinkCpuMs = sink ? (await sink.stats()).cpuMs - sinkBefore : NaN;
  const end = Math.max(sinkReachedAt, outcome.endedAt);
  return {
    ...outcome,
    sinkReachedAt,
    sinkCpuMs,
    perSecond: (outcome.count * 1000) / Math.max(1, end - outcome.startedAt),
    marksAt: await Promise.all(marksAt),
  };
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a live process has used so far, ms; from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (user + system, with reaped children's) of the processes under
 * `root` whose command starts with `command`, ms: Chromium's, whose helper processes
 * come and go with its pages (their time lands in the browser's).
 */
export function treeCpuMsOf(root: number, command: string): number {
  let ms = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The kernel keeps 15 characters of a name: chromium-headless-shell is `chromium-headle`.
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith(command)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // It exited while we looked.
    }
  }
  return ms;
}

/** Peak resident memory (VmHWM) and current RSS of a live process, MB. */
export function memoryOf(pid: number): { peakRssMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** A process and all its descendants (a worker and the Chromium it launched), from /proc/<pid>/stat's parent ids. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // It exited while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * Resident memory of a process tree now, MB: the sum of RSS (counts pages
 * Chromium's processes share once per process, so it overstates) and of PSS
 * (shares each shared page among its processes: what the tree really holds).
 */
export function treeMemoryOf(root: number): { rssMb: number; pssMb: number; processes: number } {
  let rssKb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rssKb += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      processes++;
    } catch {
      // It exited while we looked.
    }
  }
  return { rssMb: rssKb / 1024, pssMb: pssKb / 1024, processes };
}

/** The highest memory of a worker's process tree seen by the once-a-second sampler, MB. */
export interface TreeMemory {
  peakRssMb: number;
  peakPssMb: number;
  /** Most processes seen at once (the worker, its browser and the browser's helpers). */
  peakProcesses: number;
  /** PSS samples, MB, one a second. */
  pssSamplesMb: number[];
}

export interface WorkerChild {
  pid: number;
  /** Date.now() just before the spawn. */
  spawnedAt: number;
  /** ms from spawn to the `worker.ready` line. */
  readyMs: number;
  logFile: string;
  /** SIGTERM, then the ordered shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** The highest VmHWM seen by the sampler, MB, and RSS samples taken every second. */
  memory(): { peakRssMb: number; samples: number[] };
  /** The process tree's memory (with `treeMemory`), else null. */
  treeMemory(): TreeMemory | null;
}

export interface WorkerSpawnOptions {
  env: Record<string, string>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  nodeFlags?: string[];
  /** Where the worker's stdout (its pino log and echoed delivery lines) goes. */
  logFile: string;
  timeoutMs?: number;
  /** Readiness without the `worker.ready` line (LOG_LEVEL above info prints none). */
  isReady?: () => Promise<boolean>;
  /** Experiments: run this module (through tsx) instead of the bin; it must start a worker. */
  entry?: string;
  /** Also sample the memory of the worker's whole process tree (its Chromium too) every second. */
  treeMemory?: boolean;
}

/**
 * `node [flags] bin/annual-review-mailer.js worker`, the command an operator
 * runs. stdout goes to a file (as under systemd or docker), which is polled
 * for the `worker.ready` event.
 */
export async function spawnWorker(options: WorkerSpawnOptions): Promise<WorkerChild> {
  const out = openSync(options.logFile, 'w');
  const spawnedAt = Date.now();
  const started = performance.now();
  const command = options.entry ? [...TSX, options.entry] : [join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js'), 'worker'];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...command], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const readyMs = await (options.isReady
    ? waitFor(options.isReady, child, timeoutMs)
    : waitForLine(options.logFile, '"worker.ready"', child, timeoutMs)
  ).then(
    () => performance.now() - started,
    (error: unknown) => {
      // Never leave a half-started worker behind: it would outlive the bench's Redis.
      child.kill('SIGKILL');
      throw error;
    },
  );
  let peak = 0;
  const samples: number[] = [];
  const tree: TreeMemory | null = options.treeMemory ? { peakRssMb: 0, peakPssMb: 0, peakProcesses: 0, pssSamplesMb: [] } : null;
  const sample = () => {
    const m = memoryOf(child.pid!);
    if (m) {
      peak = Math.max(peak, m.peakRssMb);
      samples.push(Math.round(m.rssMb));
    }
    if (tree && child.exitCode === null) {
      const t = treeMemoryOf(child.pid!);
      tree.peakRssMb = Math.max(tree.peakRssMb, t.rssMb);
      tree.peakPssMb = Math.max(tree.peakPssMb, t.pssMb);
      tree.peakProcesses = Math.max(tree.peakProcesses, t.processes);
      tree.pssSamplesMb.push(Math.round(t.pssMb));
    }
  };
  sample();
  const sampler = setInterval(sample, 1000);
  return {
    pid: child.pid!,
    spawnedAt,
    readyMs,
    logFile: options.logFile,
    async stop() {
      sample();
      clearInterval(sampler);
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    memory: () => ({ peakRssMb: peak, samples }),
    treeMemory: () => tree,
  };
}

async function waitFor(check: () => Promise<boolean>, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls a file for a line containing `needle` (fine-grained: cold start is measured with it). */
export async function waitForLine(file: string, needle: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (readFileSync(file, 'utf8').includes(needle)) return;
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before "${needle}"; see ${file}`);
    if (Date.now() > deadline) throw new Error(`no "${needle}" within ${timeoutMs} ms; see ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
