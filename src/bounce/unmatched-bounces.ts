/**
 * Where a message that matches no delivery is kept: one .eml file each in
 * BOUNCE_UNMATCHED_DIR, for an operator to read, and a count for the log.
 * Keeping it is never an error that stops the bounces process.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class UnmatchedBounces {
  /** Kept since this process started. */
  count = 0;

  constructor(readonly dir: string) {}

  /** Writes the message as <time>-<sha256 prefix>.eml and returns its path. */
  async keep(raw: Buffer): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${createHash('sha256').update(raw).digest('hex').slice(0, 12)}.eml`;
    const path = join(this.dir, name);
    await writeFile(path, raw);
    this.count++;
    return path;
  }
}
