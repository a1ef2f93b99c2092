import type { Config } from '../../config.js';
import { loadSigningKey, publicKeyPem } from '../../evidence/signing-key.js';
import type { Print } from '../print.js';

/** `evidence-key`: the public half of EVIDENCE_SIGNING_KEY_FILE, as PEM, for whoever will `verify` a pack; its fingerprint on stderr. */
export function evidenceKeyCommand(config: Config, print: Print): string {
  const key = loadSigningKey(config);
  const pem = publicKeyPem(key.publicKey).trimEnd();
  print.out(pem);
  print.err(`fingerprint (sha256 of the public key): ${key.fingerprint}`);
  return pem;
}
