/**
 * What an approval covers: the sha256 of each data file (campaign.json,
 * both CSVs and every authority's own attachment) and of every template file, by name, and one sha256 over them
 * all. Comparing two fingerprints names each file that changed.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ATTACHMENTS_DIR } from '../data/attachments-folder.js';
import { AUTHORITIES_FILE } from '../data/authorities-csv.js';
import { CAMPAIGN_FILE } from '../data/load-data-set.js';
import { MONITORING_OFFICERS_FILE } from '../data/monitoring-officers-csv.js';
import type { FileHashes } from '../domain/index.js';
import { TEMPLATES_DIR } from '../paths.js';

export const DATA_FILES = [CAMPAIGN_FILE, AUTHORITIES_FILE, MONITORING_OFFICERS_FILE] as const;
/** Template files are named "templates/<path>" ('/'-separated), data files by their own name. */
export const TEMPLATES_PREFIX = 'templates/';

export interface Fingerprint {
  files: FileHashes;
  /** sha256 over every name and hash: the one number to quote. */
  sha256: string;
}

/** The data directory's three files and every file under `templatesDir` (default: the package's templates/). */
export async function fingerprintFiles(dataDir: string, templatesDir: string = TEMPLATES_DIR): Promise<Fingerprint> {
  const files: FileHashes = {};
  for (const name of DATA_FILES) files[name] = sha256(await readFile(join(dataDir, name)));
  Object.assign(files, await fingerprintFolder(join(dataDir, ATTACHMENTS_DIR), `${ATTACHMENTS_DIR}/`));
  Object.assign(files, await fingerprintTemplates(templatesDir));
  return { files, sha256: digest(files) };
}

/**
 * Every file under the templates folder, except hidden files (editor swap
 * files, .DS_Store) and Markdown (documentation, never rendered).
 */
export async function fingerprintTemplates(templatesDir: string = TEMPLATES_DIR): Promise<FileHashes> {
  return fingerprintFolder(templatesDir, TEMPLATES_PREFIX, (path) => !path.endsWith('.md'));
}

/** Every file under `dir` but hidden ones, named `<prefix><path>`; none when the folder does not exist. */
async function fingerprintFolder(dir: string, prefix: string, keep: (path: string) => boolean = () => true): Promise<FileHashes> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' && prefix !== TEMPLATES_PREFIX) return [];
    throw err;
  });
  const files: FileHashes = {};
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !relative(dir, path).split(sep).some((part) => part.startsWith('.')) && keep(path))
    .sort();
  for (const path of paths) files[prefix + relative(dir, path).split(sep).join('/')] = sha256(await readFile(path));
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
