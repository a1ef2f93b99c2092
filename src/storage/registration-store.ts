/**
 * Monitoring officers' registrations in Redis (StorageKeys.registration*):
 * the records, their indexes (newest first for the console's pages; by
 * address for withdrawals and an address's history; an authority's approved
 * ones, the officers on file), single-use links, the once-an-hour email slot and the
 * register server's rate-limit windows. Nothing a visitor can ask for reads
 * every registration: only `list` (the export and `registrations list`)
 * does, and once per installation the building of the indexes.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type OfficerOnFile, REGISTRATION_ID, type Registration, RegistrationError, type RegistrationEvent } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeRegistration, encodeRegistration, encodeRegistrationDecision, encodeRegistrationEvents } from './records.js';
import { type StorageCommands, withStorageCommands } from './scripts.js';

export interface NewRegistration {
  authorityId: string;
  authorityName: string;
  name: string;
  email: string;
  ceDomain: string;
  /** The political head's email domain, when the authority has a head. */
  headDomain?: string;
  /** The monitoring officers the authority's data had when the address was confirmed. */
  officersOnFile?: OfficerOnFile[];
  confirmedFrom: string;
}

/** One page of registrations, newest first. */
export interface RegistrationPage {
  /** How many registrations there are in all. */
  total: number;
  registrations: Registration[];
}

/** How many records `list` reads per round trip. */
const LIST_CHUNK = 500;

export class RegistrationStore {
  private readonly keys: StorageKeys;
  private readonly redis: Redis & StorageCommands;
  private indexed: Promise<void> | undefined;

  constructor(redis: Redis, prefix: string) {
    this.redis = withStorageCommands(redis);
    this.keys = new StorageKeys(prefix);
  }

  private recordKey(id: string): string {
    return this.keys.registration(id);
  }

  private addressKey(email: string, authorityId: string): string {
    return this.keys.registrationAddress(email.toLowerCase(), authorityId);
  }

  async get(id: string): Promise<Registration | null> {
    if (!REGISTRATION_ID.test(id)) return null;
    return decodeRegistration(await this.redis.hgetall(this.recordKey(id)));
  }

  /** These registrations, in this order (ids with no record left out). */
  async byIds(ids: readonly string[]): Promise<Registration[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.recordKey(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, hash]) => decodeRegistration(hash as Record<string, string>)).filter((r): r is Registration => r !== null);
  }

  /** Every registration, oldest first: for the export and `registrations list`, never for a visitor. */
  async list(): Promise<Registration[]> {
    const ids = await this.redis.zrange(this.keys.registrationIds(), 0, -1);
    const all: Registration[] = [];
    for (let i = 0; i < ids.length; i += LIST_CHUNK) all.push(...(await this.byIds(ids.slice(i, i + LIST_CHUNK))));
    return all;
  }

  /** `limit` registrations from `offset`, newest first, and how many there are in all. */
  async page(offset: number, limit: number): Promise<RegistrationPage> {
    const [total, ids] = await Promise.all([
      this.redis.zcard(this.keys.registrationIds()),
      this.redis.zrevrange(this.keys.registrationIds(), offset, offset + limit - 1),
    ]);
    return { total, registrations: await this.byIds(ids) };
  }

  /** Every registration of this address, any authority, any status. */
  async ofAddress(email: string): Promise<Registration[]> {
    await this.ensureIndexes();
    return this.byIds(await this.redis.smembers(this.keys.registrationsOfAddress(email.toLowerCase())));
  }

  /** This authority's approved registrations: however many others register for it, a bounded read. */
  async approvedFor(authorityId: string): Promise<Registration[]> {
    await this.ensureIndexes();
    return this.byIds(await this.redis.smembers(this.keys.registrationsApproved(authorityId)));
  }

  /**
   * Records a confirmed address. The same address confirmed again for the same
   * authority is the same registration: still waiting or approved, it stays as
   * it is; rejected or withdrawn, it waits for an operator again, with what
   * happened before kept in its events.
   */
  async confirm(input: NewRegistration, now = Date.now()): Promise<Registration> {
    await this.ensureIndexes();
    const addressKey = this.addressKey(input.email, input.authorityId);
    const existingId = await this.redis.get(addressKey);
    const existing = existingId ? await this.get(existingId) : null;
    if (existing && (existing.status === 'confirmed' || existing.status === 'approved')) return existing;
    const { officersOnFile, headDomain, ...rest } = input;
    const registration: Registration = {
      id: existing?.id ?? `r${randomBytes(6).toString('hex')}`,
      ...rest,
      ...(headDomain ? { headDomain } : {}),
      officersOnFile: officersOnFile ?? [],
      status: 'confirmed',
      createdAt: existing?.createdAt ?? now,
      confirmedAt: now,
      events: [...(existing?.events ?? []), { at: now, what: 'confirmed', from: input.confirmedFrom }],
    };
    const address = input.email.toLowerCase();
    await this.redis
      .multi()
      .del(this.recordKey(registration.id))
      .hset(this.recordKey(registration.id), encodeRegistration(registration))
      .zadd(this.keys.registrationIds(), registration.createdAt, registration.id)
      .set(addressKey, registration.id)
      .sadd(this.keys.registrationsOfAddress(address), registration.id)
      .sadd(this.keys.registrationsActive(address), registration.id)
      .exec();
    return registration;
  }

  /** An operator's decision on a confirmed (or earlier decided) registration, with their reason if they gave one. */
  async decide(id: string, decision: 'approved' | 'rejected', by: string, reason?: string, now = Date.now()): Promise<Registration> {
    const registration = await this.get(id);
    if (!registration) throw new RegistrationError(`no registration ${id}`);
    if (registration.status === 'withdrawn')
      throw new RegistrationError(`registration ${id} was withdrawn by its officer; it cannot be ${decision}`);
    const event: RegistrationEvent = { at: now, what: decision, by, ...(reason ? { reason } : {}) };
    const { decisionReason: _previous, ...undecided } = registration;
    const updated: Registration = {
      ...undecided,
      status: decision,
      decidedBy: by,
      decidedAt: now,
      ...(reason ? { decisionReason: reason } : {}),
      events: [...registration.events, event],
    };
    await this.ensureIndexes();
    const { set, clear } = encodeRegistrationDecision(updated);
    const tx = this.redis.multi().hset(this.recordKey(id), set);
    if (clear.length > 0) tx.hdel(this.recordKey(id), ...clear);
    if (decision === 'approved') tx.sadd(this.keys.registrationsApproved(updated.authorityId), id);
    else tx.srem(this.keys.registrationsApproved(updated.authorityId), id);
    await tx.exec();
    return updated;
  }

  /** Withdraws every registration of this address not withdrawn yet; returns those it changed. */
  async withdrawAddress(email: string, now = Date.now()): Promise<Registration[]> {
    await this.ensureIndexes();
    const address = email.toLowerCase();
    const active = await this.byIds(await this.redis.smembers(this.keys.registrationsActive(address)));
    const changed: Registration[] = [];
    const tx = this.redis.multi();
    for (const registration of active) {
      if (registration.status === 'withdrawn') continue;
      const events = [...registration.events, { at: now, what: 'withdrawn' as const }];
      tx.hset(this.recordKey(registration.id), { status: 'withdrawn', withdrawnAt: String(now), events: encodeRegistrationEvents(events) });
      tx.srem(this.keys.registrationsApproved(registration.authorityId), registration.id);
      changed.push({ ...registration, status: 'withdrawn', withdrawnAt: now, events });
    }
    tx.del(this.keys.registrationsActive(address));
    await tx.exec();
    return changed;
  }

  /** Whether any registration of this address could still be withdrawn. */
  async hasActive(email: string): Promise<boolean> {
    await this.ensureIndexes();
    return (await this.redis.scard(this.keys.registrationsActive(email.toLowerCase()))) > 0;
  }

  /**
   * A withdrawal form named this address: true when it has a registration to
   * withdraw and the window's one email to it is free (now claimed). One
   * command either way (register-withdraw-slot-2.lua).
   */
  async claimWithdrawalMail(email: string, windowMs: number): Promise<boolean> {
    await this.ensureIndexes();
    const address = email.toLowerCase();
    const claimed = await this.redis.arm_register_withdraw_slot(
      this.keys.registrationsActive(address),
      this.keys.registrationMailed(address),
      String(windowMs),
    );
    return claimed === 1;
  }

  /** Marks a link's nonce used; false when it already was (a link works once). It is forgotten when the link expires. */
  async useLink(nonce: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(1000, expiresAt - Date.now());
    return (await this.redis.set(this.keys.registrationLinkUsed(nonce), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Claims the hour's one email to this address; false when one went already. */
  async claimMailSlot(email: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.registrationMailed(email.toLowerCase()), '1', 'PX', windowMs, 'NX')) === 'OK';
  }

  /** Frees the hour again after an email that could not be sent. */
  async releaseMailSlot(email: string): Promise<void> {
    await this.redis.del(this.keys.registrationMailed(email.toLowerCase()));
  }

  /**
   * Counts one request against a fixed window shared by every process on this
   * Redis; true while the count is within `limit`.
   */
  async withinLimit(scope: string, subject: string, limit: number, windowMs: number): Promise<boolean> {
    const key = this.keys.registrationLimit(scope, subject.toLowerCase());
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').exec()) as [[Error | null, number]];
    return count <= limit;
  }

  /**
   * Registrations stored before the indexes existed are indexed once per
   * installation (a marker key says it was done); then never again.
   */
  private ensureIndexes(): Promise<void> {
    this.indexed ??= (async () => {
      if ((await this.redis.exists(this.keys.registrationsIndexed())) === 1) return;
      const tx = this.redis.multi();
      for (const r of await this.list()) {
        const address = r.email.toLowerCase();
        tx.sadd(this.keys.registrationsOfAddress(address), r.id);
        if (r.status !== 'withdrawn') tx.sadd(this.keys.registrationsActive(address), r.id);
        if (r.status === 'approved') tx.sadd(this.keys.registrationsApproved(r.authorityId), r.id);
      }
      tx.set(this.keys.registrationsIndexed(), '1');
      await tx.exec();
    })().catch((error: unknown) => {
      // Redis away: try again on the next request.
      this.indexed = undefined;
      throw error;
    });
    return this.indexed;
  }
}
