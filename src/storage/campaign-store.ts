/**
 * The validated campaign, kept in Redis under its id: what `run` and
 * `schedule` validated is exactly what the workers send, and a worker on
 * another host needs no data files.
 *
 *   <prefix>:campaign:<id>              hash: settings (campaign.json), letter (compiled templates),
 *                                       version, storedAt, authorities; cancelledBy and cancelledAt
 *                                       while an operator's cancel stands
 *   <prefix>:campaign:<id>:authorities  hash: authority id -> Authority JSON
 *   <prefix>:campaign:<id>:files        hash: "<authority id>/<file name>" -> the bytes of an
 *                                       authority's own attachment (listed on its Authority)
 *
 * In storage, below the stages: `run` writes it, and the fan-out, the workers,
 * the safety checks and the console all read it.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AttachmentInfo, Authority, Campaign, CompiledLetter } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeAuthority, decodeCampaign, decodeCompiledLetter, encodeAuthority, encodeCampaign, encodeCompiledLetter } from './records.js';

export interface CampaignSnapshot {
  campaign: Campaign;
  authorities: Authority[];
  /** The templates compiled for this campaign: workers send exactly these. */
  letter: CompiledLetter;
  /** Reads an authority's own attachment (listed on the Authority) from the data folder; needed when any authority lists one. */
  readAttachment?: (authorityId: string, name: string) => Promise<Buffer>;
}

export interface StoredCampaign {
  campaign: Campaign;
  letter: CompiledLetter;
  /** Hash of the stored settings and authorities; changes whenever the data does. */
  version: string;
  storedAt: number;
  authorityCount: number;
  /** Set by an operator's `cancel` and cleared when the campaign is fanned out again: who stopped its run, and when. */
  cancelled?: RunCancellation;
}

export interface RunCancellation {
  by: string;
  /** ms since epoch. */
  at: number;
}

export class CampaignStore {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StorageKeys(prefix);
  }

  private key(id: string): string {
    return this.keys.campaign(id);
  }

  private authoritiesKey(id: string): string {
    return this.keys.campaignAuthorities(id);
  }

  private filesKey(id: string): string {
    return this.keys.campaignFiles(id);
  }

  /** Replaces the stored campaign with this snapshot, in one transaction. */
  async save(snapshot: CampaignSnapshot): Promise<StoredCampaign> {
    const id = snapshot.campaign.id;
    const settings = encodeCampaign(snapshot.campaign);
    const letter = encodeCompiledLetter(snapshot.letter);
    const hash = createHash('sha256').update(settings).update(letter);
    const entries: string[] = [];
    for (const authority of snapshot.authorities) {
      const json = encodeAuthority(authority);
      hash.update(json);
      entries.push(authority.id, json);
    }
    const stored: StoredCampaign = {
      campaign: snapshot.campaign,
      letter: snapshot.letter,
      version: hash.digest('hex').slice(0, 16),
      storedAt: Date.now(),
      authorityCount: snapshot.authorities.length,
    };
    // The files first: a worker sees the new version (and its file lists) only once every file is there.
    await this.saveAttachments(snapshot);
    const tx = this.redis.multi().del(this.authoritiesKey(id));
    const chunk = 2000;
    for (let i = 0; i < entries.length; i += chunk) tx.hset(this.authoritiesKey(id), ...entries.slice(i, i + chunk));
    tx.hset(this.key(id), {
      settings,
      letter,
      version: stored.version,
      storedAt: String(stored.storedAt),
      authorities: String(stored.authorityCount),
    });
    await tx.exec();
    return stored;
  }

  /** Every authority's own files, about 8 MB per write, so a large data set never sits in memory at once. */
  private async saveAttachments(snapshot: CampaignSnapshot): Promise<void> {
    const key = this.filesKey(snapshot.campaign.id);
    await this.redis.del(key);
    let batch: Array<string | Buffer> = [];
    let batchBytes = 0;
    for (const authority of snapshot.authorities) {
      for (const file of authority.attachments ?? []) {
        if (!snapshot.readAttachment) throw new Error(`authority ${authority.id} lists attachments but the snapshot cannot read them`);
        const content = await snapshot.readAttachment(authority.id, file.name);
        if (createHash('sha256').update(content).digest('hex') !== file.sha256) {
          throw new Error(`attachments/${authority.id}/${file.name} changed after it was validated; run again`);
        }
        batch.push(`${authority.id}/${file.name}`, content);
        batchBytes += file.bytes;
        if (batchBytes >= 8 * 1024 * 1024) {
          await this.redis.hset(key, ...batch);
          batch = [];
          batchBytes = 0;
        }
      }
    }
    if (batch.length > 0) await this.redis.hset(key, ...batch);
  }

  /**
   * An authority's own files as stored at `run`, each checked against the
   * sha256 listed on the authority; throws when one is missing or differs.
   */
  async attachments(id: string, authority: Authority): Promise<Array<{ info: AttachmentInfo; content: Buffer }>> {
    const files = authority.attachments ?? [];
    if (files.length === 0) return [];
    const contents = await this.redis.hmgetBuffer(this.filesKey(id), ...files.map((f) => `${authority.id}/${f.name}`));
    return files.map((info, i) => {
      const content = contents[i];
      if (!content || createHash('sha256').update(content).digest('hex') !== info.sha256) {
        throw new Error(
          `attachment ${authority.id}/${info.name} of campaign ${id} is missing from Redis or differs from what was validated`,
        );
      }
      return { info, content };
    });
  }

  async load(id: string): Promise<StoredCampaign | null> {
    const raw = await this.redis.hgetall(this.key(id));
    if (!raw.settings || !raw.letter || !raw.version) return null;
    return {
      campaign: decodeCampaign(raw.settings),
      letter: decodeCompiledLetter(raw.letter),
      version: raw.version,
      storedAt: Number(raw.storedAt),
      authorityCount: Number(raw.authorities),
      ...(raw.cancelledBy !== undefined ? { cancelled: { by: raw.cancelledBy, at: Number(raw.cancelledAt) } } : {}),
    };
  }

  /** Records that an operator cancelled the campaign's run. */
  async markCancelled(id: string, cancellation: RunCancellation): Promise<void> {
    await this.redis.hset(this.key(id), { cancelledBy: cancellation.by, cancelledAt: String(cancellation.at) });
  }

  /** The run goes on again (a fan-out added its jobs back): it is no longer cancelled. */
  async clearCancelled(id: string): Promise<void> {
    await this.redis.hdel(this.key(id), 'cancelledBy', 'cancelledAt');
  }

  /** The version only: one cheap read per job tells a worker whether its cached renderer is current. */
  async version(id: string): Promise<string | null> {
    return this.redis.hget(this.key(id), 'version');
  }

  async authority(id: string, authorityId: string): Promise<Authority | null> {
    const json = await this.redis.hget(this.authoritiesKey(id), authorityId);
    return json ? decodeAuthority(json) : null;
  }

  /** Every stored authority, in batches, for fan-out and reports. */
  async *authorities(id: string): AsyncGenerator<Authority> {
    for await (const page of this.authorityPages(id)) yield* page;
  }

  /**
   * The same, a page (about a thousand) at a time: the fan-out's way. The next
   * page is asked for as soon as a page arrives, so a busy Redis (the fan-out's
   * own job adds ahead of it) does not leave the caller waiting for it.
   */
  async *authorityPages(id: string): AsyncGenerator<Authority[]> {
    const scan = (cursor: string) => {
      const reply = this.redis.hscan(this.authoritiesKey(id), cursor, 'COUNT', 1000);
      // Awaited below; this only keeps a prefetch the caller abandoned (an error elsewhere) from being an unhandled rejection.
      reply.catch(() => undefined);
      return reply;
    };
    let pending = scan('0');
    for (;;) {
      const [cursor, flat] = await pending;
      if (cursor !== '0') pending = scan(cursor);
      const page: Authority[] = [];
      for (let i = 1; i < flat.length; i += 2) page.push(decodeAuthority(flat[i]!));
      if (page.length > 0) yield page;
      if (cursor === '0') return;
    }
  }

  /** The id of every stored campaign (test runs' "<id>~test" included), found with SCAN. */
  async ids(): Promise<string[]> {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.campaignPattern(), 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const id = this.keys.campaignIdOf(key);
        if (id !== null) ids.add(id);
      }
    } while (cursor !== '0');
    return [...ids];
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(this.key(id), this.authoritiesKey(id), this.filesKey(id));
  }
}
