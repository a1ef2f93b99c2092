/**
 * express-session's store on our own Redis: sessions outlive a restart of the
 * ui (when UI_SESSION_SECRET is set) and several ui processes can share them.
 * connect-redis no longer supports ioredis, and the Store contract is four
 * small methods, so this adapter is all it takes.
 *
 * One key per session (StorageKeys.session), expiring with its cookie.
 */
import session from 'express-session';
import type { Redis } from 'ioredis';
import { StorageKeys } from './keys.js';
import { decodeSession, encodeSession } from './records.js';

/** How long an idle session lasts when its cookie carries no expiry. */
const DEFAULT_TTL_S = 8 * 60 * 60;

export class RedisSessionStore extends session.Store {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    super();
    this.keys = new StorageKeys(prefix);
  }

  private key(sid: string): string {
    return this.keys.session(sid);
  }

  private ttlSeconds(data: session.SessionData): number {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires).getTime() : undefined;
    return expires ? Math.max(1, Math.ceil((expires - Date.now()) / 1000)) : DEFAULT_TTL_S;
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.redis.get(this.key(sid)).then(
      (json) => callback(null, json ? decodeSession(json) : null),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.redis.set(this.key(sid), encodeSession(data), 'EX', this.ttlSeconds(data)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.redis.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.redis.expire(this.key(sid), this.ttlSeconds(data)).then(
      () => callback?.(),
      () => callback?.(),
    );
  }
}
