/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went:
 * self time per function and per package, the way one reads a flame graph
 * from the bottom. Used by `npm run bench -- --profile` and on its own:
 *
 *   tsx bench/lib/profile.ts <file.cpuprofile> [top]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples in which the process was idle (waiting on I/O). */
  idleShare: number;
  /** Self time per function, "name (package/file:line)". */
  functions: ProfileEntry[];
  /** Self time per package (node_modules/<name>), "our code", "node internals", "gc", "idle". */
  packages: ProfileEntry[];
  /** Inclusive time of functions whose name or file matches one of `focus`. */
  focus: ProfileEntry[];
}

/** Where a frame lives: a package name, "ours:<path>", "node:<module>" or a V8 pseudo-frame. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'anonymous'})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  return 'our code';
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length);
  const main = url.indexOf('/work/main/');
  return main !== -1 ? url.slice(main + '/work/main/'.length) : url.replace(/^file:\/\//, '');
}

export function summariseProfile(path: string, options: { top?: number; focus?: string[] } = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0) || 1;

  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idleUs += us;
    const fn = url ? `${functionName || '(anonymous)'} (${shortUrl(url)}:${lineNumber + 1})` : `(${functionName})`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const owner = ownerOf(url, functionName);
    packages.set(owner, (packages.get(owner) ?? 0) + us);
  }

  // Inclusive time for focus patterns: a sample counts once if any frame on its stack matches.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const focus = new Map<string, number>();
  for (const pattern of options.focus ?? []) {
    const matches = new Set(
      profile.nodes.filter((n) => `${n.callFrame.functionName} ${n.callFrame.url}`.includes(pattern)).map((n) => n.id),
    );
    let us = 0;
    profile.samples.forEach((id, i) => {
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        if (matches.has(cur)) {
          us += profile.timeDeltas[i] ?? 0;
          break;
        }
      }
    });
    focus.set(pattern, us);
  }

  const top = options.top ?? 25;
  const entries = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, share: Math.round((1000 * us) / totalUs) / 10 }));
  void byId;
  return {
    totalMs: Math.round(totalUs / 1000),
    idleShare: Math.round((1000 * idleUs) / totalUs) / 10,
    functions: entries(functions, top),
    packages: entries(packages, top),
    focus: entries(focus, focus.size),
  };
}

/** The main thread's profile in a --cpu-prof-dir: the one with the most busy time (tsx's loader thread is mostly idle). */
export function mainThreadProfile(dir: string): string {
  const busyMs = (file: string) => {
    const summary = summariseProfile(file, { top: 0 });
    return summary.totalMs * (1 - summary.idleShare / 100);
  };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .map((file) => ({ file, busy: busyMs(file) }))
    .sort((a, b) => b.busy - a.busy);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0].file;
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`profile: ${summary.totalMs} ms sampled, ${summary.idleShare}% idle`, 'self time by package:'];
  for (const e of summary.packages) lines.push(`  ${e.share.toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push('self time by function:');
  for (const e of summary.functions) lines.push(`  ${e.share.toFixed(1).padStart(5)}%  ${e.name}`);
  if (summary.focus.length > 0) {
    lines.push('inclusive time of:');
    for (const e of summary.focus) lines.push(`  ${e.share.toFixed(1).padStart(5)}%  ${e.name}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top, ...focus] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/lib/profile.ts <file.cpuprofile> [top] [focus...]');
    process.exit(2);
  }
  console.log(formatSummary(summariseProfile(file, { top: Number(top ?? 30), focus })));
}

/** The call paths (innermost first, `depth` frames) leading to frames matching `pattern`, by time. */
export function callersOf(path: string, pattern: string, depth = 6, top = 10): ProfileEntry[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0) || 1;
  const paths = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    let cur: number | undefined = id;
    while (cur !== undefined && !`${byId.get(cur)!.callFrame.functionName} ${byId.get(cur)!.callFrame.url}`.includes(pattern))
      cur = parent.get(cur);
    if (cur === undefined) return;
    const frames: string[] = [];
    for (let k = 0; cur !== undefined && k < depth; k++, cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      frames.push(`${f.functionName || '(anonymous)'}@${shortUrl(f.url).split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
    }
    const key = frames.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...paths]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, share: Math.round((1000 * us) / totalUs) / 10 }));
}

/**
 * Where each sample's time belongs in the pipeline's terms: walking from the
 * leaf towards the root, the first frame that names a stage decides. Redis
 * client frames are passed through to find who made the call (the ledger,
 * BullMQ, the guards); socket writes below nodemailer count as nodemailer.
 */
const STAGES: Array<[stage: string, test: (url: string) => boolean]> = [
  ['delivery log (pino)', (u) => /node_modules\/(pino|sonic-boom|@pinojs|thread-stream)\//.test(u)],
  ['nodemailer', (u) => u.includes('node_modules/nodemailer/')],
  ['render (handlebars)', (u) => u.includes('node_modules/handlebars/') || u.includes('/src/render/')],
  ['evidence (keep)', (u) => u.includes('/src/evidence/')],
  ['ledger (claim, finish)', (u) => u.includes('/src/storage/ledger')],
  ['send guards', (u) => /\/src\/(send\/(circuit-breaker|rate-limiter|send-guards)|storage\/(breaker|rate-limit)-store)/.test(u)],
  ['campaign and approval reads', (u) => /\/src\/(storage\/(?!records)|operations\/campaign-renderers)/.test(u)],
  ['compose (sha256, line ends)', (u) => u.includes('/src/send/')],
  ['bullmq', (u) => u.includes('node_modules/bullmq/') || u.includes('node_modules/msgpackr/')],
  ['csv + validation', (u) => /node_modules\/(csv-parse|zod)\//.test(u) || u.includes('/src/data/')],
  ['deliver (operations)', (u) => u.includes('/src/operations/')],
  ['worker (job loop)', (u) => u.includes('/workers/')],
  ['module loading', (u) => /node_modules\/(tsx|esbuild)\//.test(u) || /node:internal\/modules\//.test(u)],
];

export function stagesOf(path: string): { totalMs: number; stages: Record<string, number> } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const stageOf = (leaf: number): string => {
    const cached = memo.get(leaf);
    if (cached) return cached;
    let redis = false;
    let stage: string | undefined;
    const name = byId.get(leaf)!.callFrame.functionName;
    if (name === '(idle)') stage = 'idle';
    else if (name === '(garbage collector)') stage = 'garbage collection';
    for (let cur: number | undefined = leaf; !stage && cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      if (url.includes('node_modules/ioredis/') || url.includes('node_modules/redis-parser/')) redis = true;
      stage = STAGES.find(([, test]) => test(url))?.[0];
    }
    stage ??= redis ? 'redis client (replies, other)' : 'other';
    memo.set(leaf, stage);
    return stage;
  };
  const stages: Record<string, number> = {};
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const stage = stageOf(id);
    stages[stage] = (stages[stage] ?? 0) + us / 1000;
  });
  return { totalMs: totalUs / 1000, stages };
}
