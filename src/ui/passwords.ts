/**
 * Password hashing and checking for the ui's users, on node:crypto's scrypt.
 * A stored secret is either a password in clear or `scrypt:<salt>:<key>`
 * (base64url); both are compared in constant time.
 */
import { createHash, randomBytes, type ScryptOptions, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 64;
/** N = 2^15: about 50 ms per check, which slows guessing without slowing an operator. */
const SCRYPT_OPTIONS: ScryptOptions = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const HASH_PATTERN = /^scrypt:([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, SCRYPT_OPTIONS, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt:<salt>:<key>`: what UI_PASSWORD_HASH and UI_READONLY_USERS accept. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return `scrypt:${salt.toString('base64url')}:${key.toString('base64url')}`;
}

export function isPasswordHash(secret: string): boolean {
  return HASH_PATTERN.test(secret);
}

/** True when `password` matches `secret` (a clear password or a scrypt hash); constant time either way. */
export async function verifyPassword(password: string, secret: string): Promise<boolean> {
  const hash = HASH_PATTERN.exec(secret);
  if (hash) {
    const expected = Buffer.from(hash[2]!, 'base64url');
    const actual = await scrypt(password, Buffer.from(hash[1]!, 'base64url'));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  // Digests first, so that the comparison neither fails fast nor leaks the length.
  const expected = createHash('sha256').update(secret.normalize('NFC')).digest();
  const actual = createHash('sha256').update(password.normalize('NFC')).digest();
  return timingSafeEqual(expected, actual);
}

/** A password for the demo's one-time login: 20 characters, easy to copy from a terminal. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
