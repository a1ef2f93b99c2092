/**
 * What every figure returns, and the small formatting helpers that keep the
 * printed lines uniform: "bench <figure>: <ours> vs <comparison> (<ratio>)".
 */

import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

export interface FigureResult {
  /** Short name, e.g. "render". */
  figure: string;
  /** The lines printed for this figure (one or more), each starting "bench <figure>". */
  lines: string[];
  /** Whether the figure met its target; undefined when it has none. */
  pass?: boolean;
  /** A figure that could not be measured honestly (e.g. byte mismatch) fails the bench. */
  fatal?: string;
  /** Everything measured, for the JSON file. */
  data: Record<string, unknown>;
}

/** A rate with a sensible number of digits: 7312, 352, 41.7, 0.82. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return String(Math.round(n));
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  if (abs >= 0.01) return n.toFixed(3);
  return n.toPrecision(2);
}

export function ratio(n: number): string {
  return n >= 10 ? `${Math.round(n)}x` : n.toFixed(2);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function passMark(pass: boolean | undefined): string {
  return pass === undefined ? '' : pass ? ' ok' : ' BELOW TARGET';
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemMb: number;
  freeMemMbAtStart: number;
  loadAverageAtStart: number[];
  node: string;
  os: string;
  redis: string;
  packages: Record<string, string>;
}

const PACKAGES = ['bullmq', 'ioredis', 'nodemailer', 'smtp-server', 'mjml', 'handlebars', 'pino', 'tsx', 'html-to-text'];

export function machineInfo(redisVersion: string): MachineInfo {
  const list = cpus();
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      const json = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      packages[name] = json.version;
    } catch {
      packages[name] = 'missing';
    }
  }
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    freeMemMbAtStart: Math.round(freemem() / 2 ** 20),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    os: `${process.platform} ${release()}`,
    redis: redisVersion,
    packages,
  };
}
