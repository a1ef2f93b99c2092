/**
 * docker-compose.yml runs each worker the way the pdf-memory benchmark
 * measured it: the benchmark's worker flags are the compose file's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_OPTIONS } from '../bench/pdf-memory.js';
import { PACKAGE_ROOT } from '../src/paths.js';

describe('docker-compose.yml', () => {
  it('gives the worker service the NODE_OPTIONS the pdf-memory benchmark runs the worker with', () => {
    const compose = readFileSync(join(PACKAGE_ROOT, 'docker-compose.yml'), 'utf8');
    // The worker service's block: from `  worker:` to the next service at the same indentation.
    const worker = /\n {2}worker:\n([\s\S]*?)\n {2}\S/.exec(compose)?.[1] ?? '';
    expect(worker).toMatch(/command: \["worker"\]/);
    expect(/^\s+NODE_OPTIONS: (.+)$/m.exec(worker)?.[1]).toBe(WORKER_NODE_OPTIONS);
  });
});
