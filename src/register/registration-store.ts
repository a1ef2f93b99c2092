/**
 * Monitoring officers' registrations, in Redis: every key this feature
 * writes, the one codec of its record, and the operations on it. Kept in one
 * file so it can move into the storage layer whole.
 *
 *   <prefix>:register:registration:<id>       hash: one Registration (see encode/decode)
 *   <prefix>:register:ids                     sorted set: id by createdAt
 *   <prefix>:register:address:<email>:<auth>  string: the id of that address's registration for that authority
 *   <prefix>:register:link-used:<nonce>       string: a link already followed (single use), kept until it expires
 *   <prefix>:register:mailed:<email>          string: an email went to this address within the hour
 *   <prefix>:register:limit:<scope>:<subject> counter of one fixed rate-limit window
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const REGISTRATION_STATUSES = ['confirmed', 'approved', 'rejected', 'withdrawn'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** One confirmed address of a monitoring officer for one authority. Only a confirmed address is ever stored. */
export interface Registration {
  /** "r" and 12 hex digits. */
  id: string;
  authorityId: string;
  authorityName: string;
  name: string;
  /** As the officer typed it; compared without regard to case. */
  email: string;
  /** The chief executive's email domain when the address was confirmed, to compare with the officer's. */
  ceDomain: string;
  status: RegistrationStatus;
  createdAt: number;
  /** Confirmed by following the emailed link from this client address. */
  confirmedAt: number;
  confirmedFrom: string;
  /** The operator who approved or rejected it, and when. */
  decidedBy?: string;
  decidedAt?: number;
  withdrawnAt?: number;
}

export const REGISTRATION_ID = /^r[0-9a-f]{12}$/;

/** The part after the last '@', lower-case. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Whether the officer's address is at the chief executive's domain: an operator's hint, not a rule. */
export function domainMatches(registration: Pick<Registration, 'email' | 'ceDomain'>): boolean {
  return registration.ceDomain !== '' && emailDomain(registration.email) === registration.ceDomain;
}

/** The record as a Redis hash, and back: the only place its fields are spelled. */
export function encodeRegistration(r: Registration): Record<string, string> {
  const hash: Record<string, string> = {
    id: r.id,
    authorityId: r.authorityId,
    authorityName: r.authorityName,
    name: r.name,
    email: r.email,
    ceDomain: r.ceDomain,
    status: r.status,
    createdAt: String(r.createdAt),
    confirmedAt: String(r.confirmedAt),
    confirmedFrom: r.confirmedFrom,
  };
  if (r.decidedBy !== undefined) hash.decidedBy = r.decidedBy;
  if (r.decidedAt !== undefined) hash.decidedAt = String(r.decidedAt);
  if (r.withdrawnAt !== undefined) hash.withdrawnAt = String(r.withdrawnAt);
  return hash;
}

export function decodeRegistration(hash: Record<string, string>): Registration | null {
  const status = hash.status as RegistrationStatus;
  if (!hash.id || !hash.email || !REGISTRATION_STATUSES.includes(status)) return null;
  return {
    id: hash.id,
    authorityId: hash.authorityId ?? '',
    authorityName: hash.authorityName ?? '',
    name: hash.name ?? '',
    email: hash.email,
    ceDomain: hash.ceDomain ?? '',
    status,
    createdAt: Number(hash.createdAt),
    confirmedAt: Number(hash.confirmedAt),
    confirmedFrom: hash.confirmedFrom ?? '',
    ...(hash.decidedBy !== undefined ? { decidedBy: hash.decidedBy } : {}),
    ...(hash.decidedAt !== undefined ? { decidedAt: Number(hash.decidedAt) } : {}),
    ...(hash.withdrawnAt !== undefined ? { withdrawnAt: Number(hash.withdrawnAt) } : {}),
  };
}

export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

export interface NewRegistration {
  authorityId: string;
  authorityName: string;
  name: string;
  email: string;
  ceDomain: string;
  confirmedFrom: string;
}

export class RegistrationStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'register', ...parts].join(':');
  }

  private recordKey(id: string): string {
    return this.key('registration', id);
  }

  private addressKey(email: string, authorityId: string): string {
    return this.key('address', email.toLowerCase(), authorityId);
  }

  async get(id: string): Promise<Registration | null> {
    if (!REGISTRATION_ID.test(id)) return null;
    return decodeRegistration(await this.redis.hgetall(this.recordKey(id)));
  }

  /** Every registration, oldest first. */
  async list(): Promise<Registration[]> {
    const ids = await this.redis.zrange(this.key('ids'), 0, -1);
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
      .zadd(this.key('ids'), registration.createdAt, registration.id)
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
    return (await this.redis.set(this.key('link-used', nonce), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Claims the hour's one email to this address; false when one went already. */
  async claimMailSlot(email: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('mailed', email.toLowerCase()), '1', 'PX', windowMs, 'NX')) === 'OK';
  }

  /** Frees the hour again after an email that could not be sent. */
  async releaseMailSlot(email: string): Promise<void> {
    await this.redis.del(this.key('mailed', email.toLowerCase()));
  }

  /**
   * Counts one request against a fixed window shared by every process on this
   * Redis; true while the count is within `limit`.
   */
  async withinLimit(scope: string, subject: string, limit: number, windowMs: number): Promise<boolean> {
    const key = this.key('limit', scope, subject.toLowerCase());
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').exec()) as [[Error | null, number]];
    return count <= limit;
  }
}
