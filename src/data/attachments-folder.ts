/**
 * `attachments/<authority-id>/` in the data folder: each authority's own
 * files (case-by-case spreadsheets and the like), sent with its letter to
 * every recipient and never published. Every problem is reported at once,
 * as file: field: reason (a file or folder as a whole has no line).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ATTACHMENT_TYPES, type AttachmentInfo, attachmentType, type DataProblem } from '../domain/index.js';

export const ATTACHMENTS_DIR = 'attachments';

/** Room kept in every message for the letter itself (HTML, text and its PDF, about 60 KB encoded today). */
export const LETTER_ALLOWANCE_BYTES = 512 * 1024;

export interface AttachmentsFolder {
  /** Authority id -> its files, in name order: only authorities whose files have no problem. */
  byAuthority: Map<string, AttachmentInfo[]>;
  problems: DataProblem[];
}

/** Base64 as a message carries it: 4 characters per 3 bytes, a line break every 76. */
export function encodedSize(bytes: number): number {
  const base64 = Math.ceil(bytes / 3) * 4;
  return base64 + Math.ceil(base64 / 76) * 2;
}

/** Reads the folder (none is fine: no authority has files). */
export async function readAttachmentsFolder(
  dataDir: string,
  knownIds: { has(id: string): boolean },
  maxMessageBytes: number,
): Promise<AttachmentsFolder> {
  const root = join(dataDir, ATTACHMENTS_DIR);
  const byAuthority = new Map<string, AttachmentInfo[]>();
  const problems: DataProblem[] = [];
  const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });

  for (const folder of entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = `${ATTACHMENTS_DIR}/${show(folder.name)}`;
    if (!folder.isDirectory()) {
      problems.push({
        file: path,
        field: 'folder',
        reason: 'files go in a folder named after their authority: attachments/<authority-id>/',
      });
      continue;
    }
    if (!knownIds.has(folder.name)) {
      problems.push({ file: path, field: 'folder', reason: `no authority with id "${show(folder.name)}" in authorities.csv` });
      continue;
    }
    const authorityId = folder.name;
    const found = await readAuthorityFolder(join(root, authorityId), path, authorityId);
    problems.push(...found.problems);
    const total = LETTER_ALLOWANCE_BYTES + found.files.reduce((sum, f) => sum + encodedSize(f.bytes), 0);
    if (total > maxMessageBytes) {
      problems.push({
        file: path,
        field: 'size',
        reason: `the letter with these files would be a ${megabytes(total)} message, over the ${megabytes(maxMessageBytes)} limit (campaign.json maxMessageMB)`,
        authorityId,
      });
    } else if (found.problems.length === 0 && found.files.length > 0) {
      byAuthority.set(authorityId, found.files);
    }
  }
  return { byAuthority, problems };
}

async function readAuthorityFolder(
  dir: string,
  path: string,
  authorityId: string,
): Promise<{ files: AttachmentInfo[]; problems: DataProblem[] }> {
  const files: AttachmentInfo[] = [];
  const problems: DataProblem[] = [];
  const problem = (name: string, field: string, reason: string) =>
    problems.push({ file: `${path}/${show(name)}`, field, reason, authorityId });
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const name = entry.name;
    if (!entry.isFile()) {
      problem(name, 'file', "is not a file: only the files directly in the authority's folder are sent");
      continue;
    }
    // The name goes into a MIME header: a control character could end the header.
    if (/\p{Cc}/u.test(name)) {
      problem(name, 'name', 'contains a control character; rename the file');
      continue;
    }
    if (!attachmentType(name)) {
      problem(name, 'type', `is not an allowed type; use ${Object.keys(ATTACHMENT_TYPES).join(', ')}`);
      continue;
    }
    const content = await readFile(join(dir, name));
    if (content.length === 0) {
      problem(name, 'size', 'is empty');
      continue;
    }
    files.push({ name, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') });
  }
  return { files, problems };
}

/** Reads one authority's file back from the data folder, for the campaign store. */
export function attachmentReader(dataDir: string): (authorityId: string, name: string) => Promise<Buffer> {
  return (authorityId, name) => readFile(join(dataDir, ATTACHMENTS_DIR, authorityId, name));
}

/** A name as a problem line can show it: control characters written as \u escapes. */
function show(name: string): string {
  return name.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
