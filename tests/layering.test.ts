/**
 * Imports run one way: a file may import from its own layer and the layers
 * below it, never from one above. This list is the one place the layers are
 * written down; README's "Layout of the code" draws the same picture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bottom to top. A folder's layer is the first entry its path starts with; 'src/' alone means a file at the top of src/. */
const LAYERS = [
  { name: 'domain', folders: ['src/domain/'] },
  { name: 'platform', folders: ['src/'] },
  { name: 'storage', folders: ['src/storage/'] },
  { name: 'data', folders: ['src/data/'] },
  { name: 'schedule', folders: ['src/schedule/'] },
  { name: 'render', folders: ['src/render/'] },
  { name: 'bounce', folders: ['src/bounce/'] },
  { name: 'send', folders: ['src/send/'] },
  { name: 'ledger', folders: ['src/ledger/'] },
  { name: 'log', folders: ['src/log/'] },
  { name: 'safety', folders: ['src/safety/'] },
  { name: 'demo', folders: ['src/demo/'] },
  { name: 'workers', folders: ['workers/'] },
  { name: 'register', folders: ['src/register/'] },
  { name: 'ui', folders: ['src/ui/'] },
  { name: 'cli', folders: ['src/cli/'] },
] as const;

/** The layer index of a file, by the longest folder that holds it ('src/x.ts' is platform, 'src/data/x.ts' is data). */
function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, index) => {
    for (const folder of layer.folders) {
      const holds = folder === 'src/' ? file.startsWith('src/') && !file.slice(4).includes('/') : file.startsWith(folder);
      if (holds && folder.length > bestLength) {
        best = index;
        bestLength = folder.length;
      }
    }
  });
  if (best < 0) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
  return best;
}

function typeScriptFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Every relative module a file imports or re-exports (static and dynamic), as a path from the package root. */
function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

/** "src/schedule/fan-out.ts imports src/send/send-message.ts (schedule -> send)" for every import that climbs. */
function upwardImports(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const target of relativeImports(file)) {
      const to = layerOf(target);
      if (to > from) problems.push(`${file} imports ${target} (${LAYERS[from]!.name} -> ${LAYERS[to]!.name})`);
    }
  }
  return problems;
}

describe('layering', () => {
  const files = [...typeScriptFiles('src'), ...typeScriptFiles('workers')];

  it('places every file of src/ and workers/ in a layer', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });

  it('has no file importing from a layer above its own', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('puts a file at the top of src/ in the platform, a sub-folder in its own layer', () => {
    expect(LAYERS[layerOf('src/config.ts')]!.name).toBe('platform');
    expect(LAYERS[layerOf('src/domain/errors/index.ts')]!.name).toBe('domain');
    expect(layerOf('src/schedule/fan-out.ts')).toBeLessThan(layerOf('src/send/send-message.ts'));
  });
});
