#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ when it was built after the last
// change to any TypeScript or Lua source, and the sources themselves through tsx
// otherwise, so an edited checkout never runs stale code. `npm ci` builds
// dist/ (the `prepare` script); compiled, a worker starts about half a
// second sooner, as tsx no longer transpiles at start-up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILD_STAMP = `${root}dist/BUILT`;

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.lua')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const built = existsSync(BUILD_STAMP) ? statSync(BUILD_STAMP).mtimeMs : 0;
if (built >= Math.max(newestSourceMs(`${root}src`), newestSourceMs(`${root}workers`))) {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
