import type { Redis } from 'ioredis';
import { StorageKeys } from './keys.js';

/** Deletes every key under one prefix (SCAN + UNLINK): never FLUSHALL a Redis that may be shared. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', new StorageKeys(prefix).everything(), 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
