/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went:
 * self time per function and per package, the way one reads a flame graph
 * from the bottom. Used by `npm run bench -- --profile` and on its own:
 *
 *   tsx bench/lib/profile.ts <file.cpuprofile> [top]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
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
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
      profile.nodes
        .filter((n) => `${n.callFrame.functionName} ${n.callFrame.url}`.includes(pattern))
        .map((n) => n.id),
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

/** The main thread's profile in a --cpu-prof-dir: the largest file (the loader thread's is mostly idle). */
export function mainThreadProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
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
