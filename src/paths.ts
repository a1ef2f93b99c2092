/** Paths inside the installed package, wherever the process was started from. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the annual-review-mailer package root');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
export const SAMPLE_DATA_DIR = join(PACKAGE_ROOT, 'data', 'sample');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
