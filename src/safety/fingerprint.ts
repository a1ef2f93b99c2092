/**
 * What an approval covers: the sha256 of every file of the campaign folder
 * (campaign.json, the CSVs, templates/..., anything else put there), by its
 * path in the folder, and one sha256 over them all. Comparing two
 * fingerprints names each file that changed.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { TEMPLATES_FOLDER } from '../data/load-data-set.js';
import type { FileHashes } from '../domain/index.js';

/** Template files are named "templates/<path>" ('/'-separated), other files by their path in the folder. */
export const TEMPLATES_PREFIX = `${TEMPLATES_FOLDER}/`;

export interface Fingerprint {
  files: FileHashes;
  /** sha256 over every name and hash: the one number to quote. */
  sha256: string;
}

/**
 * Every file of the campaign folder `dataDir`. When `templatesDir` names
 * templates kept elsewhere, they stand in for the folder's own templates/.
 */
export async function fingerprintFiles(dataDir: string, templatesDir?: string): Promise<Fingerprint> {
  const own = resolve(dataDir, TEMPLATES_FOLDER);
  const elsewhere = templatesDir !== undefined && resolve(templatesDir) !== own;
  const files = await hashFolder(dataDir, '', elsewhere ? (path) => path === own || path.startsWith(own + sep) : () => false);
  if (elsewhere) Object.assign(files, await fingerprintTemplates(templatesDir));
  return { files, sha256: digest(files) };
}

/** Every file under a templates folder, named "templates/<path>". */
export async function fingerprintTemplates(templatesDir: string): Promise<FileHashes> {
  return hashFolder(templatesDir, TEMPLATES_PREFIX, () => false);
}

/**
 * Every file under `dir` except hidden ones (editor swap files, .DS_Store):
 * they are never read, and an editor must not void an approval.
 */
async function hashFolder(dir: string, prefix: string, skip: (path: string) => boolean): Promise<FileHashes> {
  const root = resolve(dir);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter(
      (path) =>
        !relative(root, path)
          .split(sep)
          .some((part) => part.startsWith('.')) && !skip(path),
    )
    .sort();
  const files: FileHashes = {};
  for (const path of paths) files[prefix + relative(root, path).split(sep).join('/')] = sha256(await readFile(path));
  return files;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function digest(files: FileHashes): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(`${name}\u0000${files[name]}\n`);
  return hash.digest('hex');
}

export interface FileChange {
  file: string;
  change: 'changed' | 'added' | 'removed';
}

/** What differs between the approved files and the current ones, in name order. */
export function compareFiles(approved: FileHashes, current: FileHashes): FileChange[] {
  const names = [...new Set([...Object.keys(approved), ...Object.keys(current)])].sort();
  const changes: FileChange[] = [];
  for (const file of names) {
    const before = approved[file];
    const now = current[file];
    if (before === now) continue;
    changes.push({ file, change: before === undefined ? 'added' : now === undefined ? 'removed' : 'changed' });
  }
  return changes;
}

/** "authorities.csv changed, templates/partials/new.mjml added" */
export function describeChanges(changes: readonly FileChange[]): string {
  return changes.map((c) => `${c.file} ${c.change}`).join(', ');
}
