/**
 * A clean install on the lowest Node the README promises: every package in
 * the lockfile must accept it, or `npm ci` warns EBADENGINE (and .ci/run fails).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

describe('the lockfile and Node 20', () => {
  it('holds no package whose engines refuse the lowest Node that package.json allows', () => {
    const ours = read('package.json') as { engines: { node: string } };
    const lowest = semver.minVersion(ours.engines.node)!.version;
    expect(lowest).toBe('20.19.0');
    const packages = read('package-lock.json').packages as Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    const refusing = Object.entries(packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(lowest, p.engines.node))
      .map(([path, p]) => `${path}@${p.version}: node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
