/**
 * Monitoring officers' registrations in Redis (StorageKeys.registration*):
 * the records, the index by address, single-use links, the once-an-hour
 * email slot and the register server's rate-limit windows.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REGISTRATION_ID, type Registration, RegistrationError } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeRegistration, encodeRegistration } from './records.js';

export interface NewRegistration {
  authorityId: string;
  authorityName: string;
  name: string;
  email: string;
  ceDomain: string;
  confirmedFrom: string;
}

export class RegistrationStore {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
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

  /** Every registration, oldest first. */
  async list(): Promise<Registration[]> {
    const ids = await this.redis.zrange(this.keys.registrationIds(), 0, -1);
    const tx = this.redis.multi();
    for (const id of ids) tx.hgetall(this.recordKey(id));
    const replies = (await tx.exec()) ?? [];
    return replies.map(([, hash]) => decodeRegistration(hash as Record<string, string>)).filter((r): r is Registration => r !== null);
  }

  /**
   * Records a confirmed address. The same address confirmed again for the same
   * authority is the same registration: still waiting or approved, it stays as
   * it is; rejected or withdrawn, it waits for an operator again.
   */
  async confirm(input: NewRegistration, now = Date.now()): Promise<Registration> {
    const addressKey = this.addressKey(input.email, input.authorityId);
    const existingId = await this.redis.get(addressKey);
    const existing = existingId ? await this.get(existingId) : null;
    if (existing && (existing.status === 'confirmed' || existing.status === 'approved')) return existing;
    const registration: Registration = {
      id: existing?.id ?? `r${randomBytes(6).toString('hex')}`,
      ...input,
      status: 'confirmed',
      createdAt: existing?.createdAt ?? now,
      confirmedAt: now,
    };
    await this.redis
      .multi()
      .del(this.recordKey(registration.id))
      .hset(this.recordKey(registration.id), encodeRegistration(registration))
      .zadd(this.keys.registrationIds(), registration.createdAt, registration.id)
      .set(addressKey, registration.id)
      .exec();
    return registration;
  }

  /** An operator's decision on a confirmed (or earlier decided) registration. */
  async decide(id: string, decision: 'approved' | 'rejected', by: string, now = Date.now()): Promise<Registration> {
    const registration = await this.get(id);
    if (!registration) throw new RegistrationError(`no registration ${id}`);
    if (registration.status === 'withdrawn')
      throw new RegistrationError(`registration ${id} was withdrawn by its officer; it cannot be ${decision}`);
    const updated: Registration = { ...registration, status: decision, decidedBy: by, decidedAt: now };
    await this.redis.hset(this.recordKey(id), { status: decision, decidedBy: by, decidedAt: String(now) });
    return updated;
  }

  /** Withdraws every registration of this address (whatever its state); returns those it changed. */
  async withdrawAddress(email: string, now = Date.now()): Promise<Registration[]> {
    const address = email.toLowerCase();
    const changed: Registration[] = [];
    for (const registration of await this.list()) {
      if (registration.email.toLowerCase() !== address || registration.status === 'withdrawn') continue;
      await this.redis.hset(this.recordKey(registration.id), { status: 'withdrawn', withdrawnAt: String(now) });
      changed.push({ ...registration, status: 'withdrawn', withdrawnAt: now });
    }
    return changed;
  }

  /** Whether any registration of this address could still be withdrawn. */
  async hasActive(email: string): Promise<boolean> {
    const address = email.toLowerCase();
    return (await this.list()).some((r) => r.email.toLowerCase() === address && r.status !== 'withdrawn');
  }

  /** Marks a link's nonce used; false when it already was (a link works once). */
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
}
