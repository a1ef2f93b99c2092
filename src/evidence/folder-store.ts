/**
 * The evidence store as a folder (EVIDENCE_DIR), shared by every worker:
 *
 *   <dir>/<campaign>/<host>-<pid>-<start ms>.messages   one process's messages, appended one after another
 *   <dir>/<campaign>/keep-until                          ISO date: keep the folder until then
 *
 * Each record is a header line, `arm-message <sha256> <length> raw`, then
 * that many bytes: the message as the relay received it. Not compressed, on
 * purpose: the cheapest compressor Node has (Brotli at quality 1) cost the
 * worker 0.12 ms a letter, a twentieth of its CPU, to save about 20 kB a
 * letter (a letter with its PDF barely shrinks): 30 to 100 MB a year for 400
 * authorities. A header without `raw` (files written before 2026-12-08) is
 * gzip, and still read. A process appends to
 * a file of its own, opened once, one write per message: a file per message
 * (create, write, rename) cost the worker a millisecond a letter in the
 * file system, as much as building the message. The write is synchronous:
 * it only hands the bytes to the operating system, and the relay sees
 * nothing until it returns. A record cut short (the process died while
 * writing it) is never one the relay saw, and readers skip it.
 *
 * A campaign's keep-until only ever moves later: each message kept pushes it
 * to that message's date; `prune` removes a campaign's whole folder once its
 * date has passed.
 */
import { closeSync, mkdirSync, openSync, writevSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { EvidenceStore, KeptMessage, PrunedCampaign } from './evidence-store.js';

const gunzipAsync = promisify(gunzip);

const SHA256 = /^[0-9a-f]{64}$/;
/** A campaign id or a test run's "<id>~test": never a path of its own. */
const CAMPAIGN = /^[a-z0-9][a-z0-9~-]*$/;
const KEEP_UNTIL_FILE = 'keep-until';
const SEGMENT = '.messages';
const MAGIC = 'arm-message';
/** Longer than any header line: "arm-message " + 64 hex + " " + a length + " raw\n". */
const HEADER_MAX = 128;

interface Located {
  file: string;
  /** Where the record's bytes start, and how many there are. */
  offset: number;
  length: number;
  /** Records written before 2026-12-08 are gzip. */
  gzip: boolean;
}

export class FolderEvidenceStore implements EvidenceStore {
  readonly root: string;
  /** This process's open file per campaign. */
  private readonly segments = new Map<string, number>();
  /** Each campaign's keep-until as this process last wrote or read it (YYYY-MM-DD). */
  private readonly until = new Map<string, Promise<string>>();
  /** Each campaign's messages by sha256, as last read; read again when a sha256 is not in it. */
  private readonly indexes = new Map<string, Map<string, Located>>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  get where(): string {
    return `folder ${this.root}`;
  }

  async keep(message: KeptMessage): Promise<void> {
    checkName(message.campaign, message.sha256);
    const { raw } = message;
    const header = Buffer.from(`${MAGIC} ${message.sha256} ${raw.length} raw\n`, 'latin1');
    const fd = this.segmentOf(message.campaign);
    // One write for the record: its header and bytes land together, after whatever this process wrote before.
    let done = writevSync(fd, [header, raw]);
    const total = header.length + raw.length;
    if (done < total) {
      // A short write (rare: a signal, a nearly full disk): write the rest, or throw and send nothing.
      const rest = Buffer.concat([header, raw]).subarray(done);
      done += writevSync(fd, [rest]);
      if (done < total) throw new Error(`the evidence store wrote ${done} of ${total} bytes (is ${this.root} full?)`);
    }
    await this.extend(message.campaign, message.keepUntil.toISOString().slice(0, 10));
  }

  async read(campaign: string, sha256: string): Promise<Buffer | null> {
    checkName(campaign, sha256);
    let located = this.indexes.get(campaign)?.get(sha256);
    if (!located) located = (await this.index(campaign)).get(sha256);
    if (!located) return null;
    const handle = await open(located.file, 'r');
    try {
      const bytes = Buffer.alloc(located.length);
      await handle.read(bytes, 0, located.length, located.offset);
      return located.gzip ? await gunzipAsync(bytes) : bytes;
    } finally {
      await handle.close();
    }
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
      const messages = (await this.index(entry.name)).size;
      this.closeSegment(entry.name);
      await rm(join(this.root, entry.name), { recursive: true, force: true });
      this.until.delete(entry.name);
      this.indexes.delete(entry.name);
      pruned.push({ campaign: entry.name, keptUntil, messages });
    }
    return pruned;
  }

  close(): void {
    for (const campaign of [...this.segments.keys()]) this.closeSegment(campaign);
  }

  private closeSegment(campaign: string): void {
    const fd = this.segments.get(campaign);
    if (fd === undefined) return;
    this.segments.delete(campaign);
    closeSync(fd);
  }

  private segmentOf(campaign: string): number {
    let fd = this.segments.get(campaign);
    if (fd === undefined) {
      const dir = join(this.root, campaign);
      mkdirSync(dir, { recursive: true });
      fd = openSync(join(dir, `${hostname()}-${process.pid}-${Date.now()}${SEGMENT}`), 'a');
      this.segments.set(campaign, fd);
    }
    return fd;
  }

  /** Every whole record of the campaign's files, by sha256 (the first, should one be kept twice). */
  private async index(campaign: string): Promise<Map<string, Located>> {
    const index = new Map<string, Located>();
    const dir = join(this.root, campaign);
    const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const name of files.filter((f) => f.endsWith(SEGMENT)).sort()) {
      const handle = await open(join(dir, name), 'r');
      try {
        await indexSegment(handle, join(dir, name), index);
      } finally {
        await handle.close();
      }
    }
    this.indexes.set(campaign, index);
    return index;
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

function checkName(campaign: string, sha256: string): void {
  if (!CAMPAIGN.test(campaign)) throw new Error(`not a campaign id: ${JSON.stringify(campaign)}`);
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
}

/** Reads one file's record headers, skipping each record's bytes; stops at a record cut short. */
async function indexSegment(handle: FileHandle, file: string, index: Map<string, Located>): Promise<void> {
  const { size } = await handle.stat();
  const head = Buffer.alloc(HEADER_MAX);
  let at = 0;
  while (at < size) {
    const { bytesRead } = await handle.read(head, 0, HEADER_MAX, at);
    const end = head.subarray(0, bytesRead).indexOf(10);
    const match = end > 0 ? /^arm-message ([0-9a-f]{64}) (\d+)( raw)?$/.exec(head.subarray(0, end).toString('latin1')) : null;
    if (!match) return;
    const offset = at + end + 1;
    const length = Number(match[2]);
    if (offset + length > size) return;
    if (!index.has(match[1]!)) index.set(match[1]!, { file, offset, length, gzip: !match[3] });
    at = offset + length;
  }
}
