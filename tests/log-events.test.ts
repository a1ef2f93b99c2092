import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT } from '../src/domain/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const registered: string[] = Object.values(EVENT);

function sources(): Array<{ file: string; text: string }> {
  return ['src', 'workers'].flatMap((folder) =>
    readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') })),
  );
}

describe('log events', () => {
  it("lists in README's Log events table exactly the events of the registry", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Log events'), readme.indexOf('\n## ', readme.indexOf('## Log events') + 1));
    const documented = [...section.matchAll(/^\| `([a-z.-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...registered].sort());
  });

  it('logs no event the registry lacks', () => {
    const unknown = sources().flatMap(({ file, text }) =>
      [...text.matchAll(/event: '([^']+)'/g)]
        .map((m) => m[1]!)
        .filter((name) => !registered.includes(name))
        .map((name) => `${file}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('names every event through EVENT, never as a string', () => {
    const literals = sources().flatMap(({ file, text }) => [...text.matchAll(/event: '([^']+)'/g)].map((m) => `${file}: ${m[1]}`));
    expect(literals).toEqual([]);
  });
});
