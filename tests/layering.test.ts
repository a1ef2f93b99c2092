/**
 * Each folder imports only the folders it is allowed to: an allow-list per
 * folder, written once, in README's "Layout of the code" table, which this
 * test reads. The code is held to the table, and the table to the code (a
 * folder the table does not name, or names and does not have, fails too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A folder's name in the table ("src/domain", "src/*.ts", "workers") as the layer name its imports are listed by. */
function layerName(folder: string): string {
  if (folder === 'src/*.ts') return 'platform';
  return folder.replace(/^src\//, '');
}

/** The allow-list, read from README: layer -> the layers it may import; `*` for every one. */
function readLayout(): Map<string, Set<string> | '*'> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Layout of the code'), readme.indexOf('## Commands'));
  const layout = new Map<string, Set<string> | '*'>();
  for (const match of section.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) {
    const may = match[2]!.trim();
    layout.set(
      layerName(match[1]!),
      may === 'every folder' ? '*' : new Set(may === '(nothing)' ? [] : may.split(',').map((name) => name.trim())),
    );
  }
  return layout;
}

/** The layer of a file: 'platform' for a file at the top of src/, else its folder under src/ (or 'workers'). */
function layerOf(file: string): string {
  if (file.startsWith('workers/')) return 'workers';
  const parts = file.split('/');
  return parts.length === 2 ? 'platform' : parts[1]!;
}

function typeScriptFiles(folder: string): string[] {
  return (
    readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
      // The console's browser script runs in the browser and imports nothing of ours but its own types.
      .filter((file) => !file.startsWith('src/ui/browser/'))
  );
}

/** Every relative module a file imports or re-exports (static and dynamic), as a path from the package root. */
function relativeImports(file: string, source = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

/** "src/send/x.ts imports src/operations/y.ts (send may not import operations)" for every import the table does not allow. */
function forbiddenImports(
  files: readonly string[],
  layout: Map<string, Set<string> | '*'>,
  sources: Record<string, string> = {},
): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    const allowed = layout.get(from);
    for (const target of relativeImports(file, sources[file])) {
      const to = layerOf(target);
      if (to === from || allowed === '*') continue;
      if (!allowed?.has(to)) problems.push(`${file} imports ${target} (${from} may not import ${to})`);
    }
  }
  return problems;
}

describe('layering', () => {
  const files = [...typeScriptFiles('src'), ...typeScriptFiles('workers')];
  const layout = readLayout();

  it("has a row in README's layout table for every folder of src/ and workers/, and no row for a folder that is gone", () => {
    expect(files.length).toBeGreaterThan(50);
    const folders = new Set(files.map(layerOf));
    expect([...folders].filter((layer) => !layout.has(layer))).toEqual([]);
    const missing = [...layout.keys()].filter((layer) => !folders.has(layer));
    expect(missing).toEqual([]);
    for (const [layer, may] of layout) {
      if (may === '*') continue;
      for (const name of may) expect(layout.has(name), `${layer} may import ${name}, which the table does not name`).toBe(true);
    }
  });

  it('has no file importing a folder its row does not allow', () => {
    expect(forbiddenImports(files, layout)).toEqual([]);
  });

  it('catches an import the table does not allow', () => {
    // A send-stage file reaching up into the operations, and the domain reaching for storage (in memory, not on disk).
    const planted = {
      'src/send/planted.ts': "import { retryJob } from '../operations/retry.js';\nimport { EVENT } from '../domain/index.js';\n",
      'src/domain/planted.ts': "export { Storage } from '../storage/storage.js';\n",
    };
    expect(forbiddenImports(Object.keys(planted), layout, planted)).toEqual([
      'src/send/planted.ts imports src/operations/retry.ts (send may not import operations)',
      'src/domain/planted.ts imports src/storage/storage.ts (domain may not import storage)',
    ]);
  });
});
