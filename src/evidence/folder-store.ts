/**
 * The evidence store as a folder (EVIDENCE_DIR), shared by every worker:
 *
 *   <dir>/<campaign>/<first two hex of sha256>/<sha256>.eml.gz   each message, gzip
 *   <dir>/<campaign>/keep-until                                  ISO date: keep the folder until then
 *
 * A message is written to a temporary name and renamed into place, so a
 * reader never sees half of one; its name is its sha256, so writing the same
 * message twice (a retried job, two workers) writes the same file. gzip at
 * its fastest level: a letter's MIME shrinks to about a fifth in about a
 * tenth of a millisecond, less CPU than handing it to libuv's thread pool.
 * A campaign's keep-until only ever moves later: each message kept pushes it
 * to that message's date; `prune` removes a campaign's whole folder once its
 * date has passed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzip, gzipSync } from 'node:zlib';
import type { EvidenceStore, KeptMessage, PrunedCampaign } from './evidence-store.js';

const gunzipAsync = promisify(gunzip);

const SHA256 = /^[0-9a-f]{64}$/;
/** A campaign id or a test run's "<id>~test": never a path of its own. */
const CAMPAIGN = /^[a-z0-9][a-z0-9~-]*$/;
const KEEP_UNTIL_FILE = 'keep-until';

export class FolderEvidenceStore implements EvidenceStore {
  readonly root: string;
  /** Folders made by this process, so each is made once. */
  private readonly made = new Set<string>();
  /** Each campaign's keep-until as this process last wrote or read it (YYYY-MM-DD). */
  private readonly until = new Map<string, Promise<string>>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  get where(): string {
    return `folder ${this.root}`;
  }

  async keep(message: KeptMessage): Promise<void> {
    const path = this.pathOf(message.campaign, message.sha256);
    const dir = join(this.root, message.campaign, message.sha256.slice(0, 2));
    if (!this.made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.made.add(dir);
    }
    const packed = gzipSync(message.raw, { level: constants.Z_BEST_SPEED });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, packed);
    await rename(temporary, path).catch(async (error: unknown) => {
      await unlink(temporary).catch(() => undefined);
      throw error;
    });
    await this.extend(message.campaign, message.keepUntil.toISOString().slice(0, 10));
  }

  async read(campaign: string, sha256: string): Promise<Buffer | null> {
    let packed: Buffer;
    try {
      packed = await readFile(this.pathOf(campaign, sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return gunzipAsync(packed);
  }

  async prune(now: Date): Promise<PrunedCampaign[]> {
    const today = now.toISOString().slice(0, 10);
    const pruned: PrunedCampaign[] = [];
    const campaigns = await readdir(this.root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of campaigns) {
      if (!entry.isDirectory() || !CAMPAIGN.test(entry.name)) continue;
      const keptUntil = await this.readUntil(entry.name);
      // A folder with no date (a copy made by hand, a write cut short) is kept: only a date passed removes anything.
      if (!keptUntil || keptUntil >= today) continue;
      const dir = join(this.root, entry.name);
      const messages = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.eml.gz')).length;
      await rm(dir, { recursive: true, force: true });
      this.until.delete(entry.name);
      pruned.push({ campaign: entry.name, keptUntil, messages });
    }
    return pruned;
  }

  private pathOf(campaign: string, sha256: string): string {
    if (!CAMPAIGN.test(campaign)) throw new Error(`not a campaign id: ${JSON.stringify(campaign)}`);
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
    return join(this.root, campaign, sha256.slice(0, 2), `${sha256}.eml.gz`);
  }

  /** Moves the campaign's keep-until to `day` if that is later; written at most once a day per process. */
  private async extend(campaign: string, day: string): Promise<void> {
    const known = this.until.get(campaign) ?? this.readUntil(campaign).then((d) => d ?? '');
    this.until.set(campaign, known);
    try {
      if ((await known) >= day) return;
      const written = writeFile(join(this.root, campaign, KEEP_UNTIL_FILE), `${day}\n`).then(() => day);
      this.until.set(campaign, written);
      await written;
    } catch (error) {
      // Read it afresh next time rather than repeat this failure for ever.
      this.until.delete(campaign);
      throw error;
    }
  }

  private async readUntil(campaign: string): Promise<string | null> {
    try {
      const text = (await readFile(join(this.root, campaign, KEEP_UNTIL_FILE), 'utf8')).trim();
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
