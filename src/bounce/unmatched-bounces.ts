/**
 * Where a message that changed nothing is kept for an operator to read (an
 * unverified bounce, one that matches no delivery, one we cannot parse): one
 * .eml file each in BOUNCE_UNMATCHED_DIR, named by its SHA-256, so the same
 * message sent again is one file.
 *
 * The folder has a quota (bytes and files): anyone can send to the bounce
 * address, so without one a single client fills the disk. Past the quota a
 * message is not written (its bounce is still logged and recorded), and
 * `bounce.quota-full` is logged once until there is room again. The usage is
 * read from the folder at start, counted as we write, and read again (at most
 * once a minute) while full, so room an operator makes is seen.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EVENT } from '../domain/index.js';

export interface UnmatchedQuota {
  /** BOUNCE_UNMATCHED_MAX_BYTES. */
  maxBytes: number;
  /** BOUNCE_UNMATCHED_MAX_FILES. */
  maxFiles: number;
}

const RESCAN_MS = 60_000;

export class UnmatchedBounces {
  /** Written since this process started. */
  count = 0;
  /** Not written since this process started, the folder being at its quota. */
  notKept = 0;
  private usage: { bytes: number; files: number } | undefined;
  private full = false;
  private scannedAt = 0;

  constructor(
    readonly dir: string,
    private readonly quota: UnmatchedQuota,
    private readonly log?: Logger,
  ) {}

  /** Writes the message and returns its path, or undefined when the folder is at its quota. */
  async keep(raw: Buffer): Promise<string | undefined> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${createHash('sha256').update(raw).digest('hex').slice(0, 32)}.eml`);
    const usage = await this.current();
    if (!this.fits(usage, raw.length) && Date.now() - this.scannedAt >= RESCAN_MS) Object.assign(usage, await this.scan());
    if (!this.fits(usage, raw.length)) {
      this.notKept++;
      if (!this.full) {
        this.full = true;
        this.log?.warn(
          { event: EVENT.bounceQuotaFull, dir: this.dir, ...usage, ...this.quota },
          `bounce.quota-full: ${this.dir} holds ${usage.files} files, ${usage.bytes} bytes; messages are no longer kept there until there is room`,
        );
      }
      return undefined;
    }
    this.full = false;
    // Counted before the write, so two messages arriving together cannot both take the last room.
    usage.bytes += raw.length;
    usage.files += 1;
    try {
      await writeFile(path, raw, { flag: 'wx' });
    } catch (error) {
      usage.bytes -= raw.length;
      usage.files -= 1;
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return path;
      throw error;
    }
    this.count++;
    return path;
  }

  private fits(usage: { bytes: number; files: number }, size: number): boolean {
    return usage.bytes + size <= this.quota.maxBytes && usage.files + 1 <= this.quota.maxFiles;
  }

  private async current(): Promise<{ bytes: number; files: number }> {
    this.usage ??= await this.scan();
    return this.usage;
  }

  private async scan(): Promise<{ bytes: number; files: number }> {
    this.scannedAt = Date.now();
    const usage = { bytes: 0, files: 0 };
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      // A file removed between the listing and its stat is simply not counted.
      const size = await stat(join(this.dir, entry.name)).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) continue;
      usage.bytes += size;
      usage.files += 1;
    }
    return usage;
  }
}
