/**
 * The key that signs evidence packs: Ed25519 through node:crypto. The
 * operator keeps the private key (EVIDENCE_SIGNING_KEY_FILE) and gives the
 * public key (`evidence-key` prints it) to whoever must check a pack; `verify`
 * takes only the public key. A key's fingerprint is the sha256 of its public
 * half (SubjectPublicKeyInfo, DER), so a pack and a key can be matched by eye.
 * The key's text never reaches an error message or a log line.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { ConfigError } from '../domain/index.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** sha256 of the public key (SPKI DER), hex. */
  fingerprint: string;
}

/** EVIDENCE_SIGNING_KEY_FILE, read and checked; ConfigError naming the variable when unset, unreadable or not Ed25519. */
export function loadSigningKey(config: Config): SigningKey {
  const file = config.EVIDENCE_SIGNING_KEY_FILE;
  if (!file) {
    throw new ConfigError(
      'EVIDENCE_SIGNING_KEY_FILE is not set: it names the Ed25519 private key that signs evidence packs ' +
        '(make one with `openssl genpkey -algorithm ed25519 -out evidence-signing.pem`)',
    );
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`EVIDENCE_SIGNING_KEY_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // Not the parser's message: it could quote part of the key.
    throw new ConfigError(`EVIDENCE_SIGNING_KEY_FILE: ${file} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      `EVIDENCE_SIGNING_KEY_FILE: ${file} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; evidence packs are signed with Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** A public key given to `verify` (PEM, as `evidence-key` prints it); throws a plain Error saying what is wrong. */
export function readPublicKey(pem: string | Buffer, name: string): { publicKey: KeyObject; fingerprint: string } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch {
    throw new Error(`${name} is not a PEM public key (\`annual-review-mailer evidence-key\` prints the one to use)`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${name} is a ${publicKey.asymmetricKeyType ?? 'unknown'} key; evidence packs are signed with Ed25519`);
  }
  return { publicKey, fingerprint: fingerprintOf(publicKey) };
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Ed25519 signature over `text`, base64. */
export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

export function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
