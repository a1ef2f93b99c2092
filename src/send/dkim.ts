/**
 * DKIM signing: the key is read and checked once, when `worker` starts, so a
 * missing or malformed key stops the worker before it sends anything. The
 * signing itself is nodemailer's (its `dkim` transport option). The key's
 * text never reaches an error message or a log line.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { ConfigError } from '../domain/index.js';

/** nodemailer's `dkim` option. */
export interface DkimSigning {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

/** The signing settings from DKIM_*, or undefined when DKIM is not configured. Throws ConfigError naming the variable. */
export function loadDkimSigning(config: Config): DkimSigning | undefined {
  if (!config.DKIM_DOMAIN || !config.DKIM_SELECTOR || !config.DKIM_PRIVATE_KEY_FILE) return undefined;
  const file = config.DKIM_PRIVATE_KEY_FILE;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: cannot read ${file} (${code})`);
  }
  const key = parsePrivateKey(pem, file);
  return {
    domainName: config.DKIM_DOMAIN.toLowerCase(),
    keySelector: config.DKIM_SELECTOR,
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function parsePrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // Not the parser's message: it could quote part of the key.
    throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: ${file} is not a PEM private key`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    // RFC 8301: verifiers must not accept RSA keys under 1024 bits; 2048 is what receivers expect today.
    if (bits < 1024) throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: ${file} is a ${bits}-bit RSA key; use 2048 bits`);
    return key;
  }
  if (key.asymmetricKeyType === 'ed25519') return key;
  throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: ${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; DKIM signs with RSA or Ed25519`);
}

/**
 * The DNS TXT record that publishes the public half of the key:
 * `<selector>._domainkey.<domain>. IN TXT "v=DKIM1; k=rsa; p=<base64 DER>"`,
 * split into 255-character strings as DNS requires.
 */
export function dkimDnsRecord(signing: DkimSigning): { name: string; value: string; zoneLine: string } {
  const publicKey = createPublicKey(signing.privateKey);
  const type = publicKey.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'rsa';
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // Ed25519 publishes the raw 32-byte key (RFC 8463), RSA the whole SubjectPublicKeyInfo.
  const p = (type === 'ed25519' ? der.subarray(der.length - 32) : der).toString('base64');
  const value = `v=DKIM1; k=${type}; p=${p}`;
  const name = `${signing.keySelector}._domainkey.${signing.domainName}`;
  const chunks = value.match(/.{1,255}/g) ?? [];
  return { name, value, zoneLine: `${name}. IN TXT ( ${chunks.map((c) => `"${c}"`).join(' ')} )` };
}
