/**
 * DKIM: letters leave the worker signed with the configured key, and the
 * signature is checked by dkimpy (Debian's python3-dkim, a verifier no one
 * here wrote; .ci/run installs it) against the DNS record the README tells
 * the operator to publish.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/domain/index.js';
import { createLogger } from '../src/logger.js';
import { dkimDnsRecord, loadDkimSigning } from '../src/send/dkim.js';
import { startWorkerProcess } from '../workers/worker-process.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { testConfig, uniquePrefix } from './support/redis.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function rsaKeyPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const VERIFIER = fileURLToPath(new URL('./support/dkim-verify.py', import.meta.url));

/** dkimpy's verdict on one message (`pass`, or `fail: <reason>`), resolving the selector's TXT record to `record` only. */
function verify(raw: Buffer | string, record: { name: string; value: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    // Debian's own python3, where python3-dkim is installed (another python3 may come first on PATH).
    const child = execFile('/usr/bin/python3', [VERIFIER, record.name, record.value], (error, stdout, stderr) =>
      error ? reject(new Error(`dkim-verify.py failed: ${stderr}`)) : resolve(stdout.trim()),
    );
    child.stdin!.end(raw);
  });
}

describe('DKIM signing', () => {
  it('signs every letter the worker sends so that dkimpy verifies it, and fails it when the body is altered', async () => {
    const keyFile = join(await mkdtemp(join(tmpdir(), 'arm-dkim-key-')), 'dkim.pem');
    await writeFile(keyFile, rsaKeyPem(), { mode: 0o600 });
    harness = await startHarness('dkim', {
      sink: { keepRaw: true },
      env: { DKIM_DOMAIN: 'ombudsman.example', DKIM_SELECTOR: 'annual2024', DKIM_PRIVATE_KEY_FILE: keyFile },
    });
    const record = dkimDnsRecord(loadDkimSigning(harness.config)!);
    expect(record.name).toBe('annual2024._domainkey.ombudsman.example');
    expect(record.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);

    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta', head: false }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(2, CAMPAIGN);

    expect(harness.sink.raw.size).toBe(3);
    for (const raw of harness.sink.raw.values()) {
      expect(raw.toString('utf8')).toMatch(/^DKIM-Signature: [\s\S]*?d=ombudsman\.example;[\s\S]*?s=annual2024;/m);
      expect(await verify(raw, record)).toBe('pass');
      // One figure changed in transit: the body hash no longer matches.
      const altered = raw.toString('utf8').replace(/investigations/, 'investigati0ns');
      expect(altered).not.toBe(raw.toString('utf8'));
      expect(await verify(altered, record)).toMatch(/^fail: body hash mismatch/);
    }
  });

  it('refuses to start a worker whose key file is missing, or is not a private key, without printing the file', async () => {
    harness = await startHarness('dkim-bad');
    const { dir } = harness;
    const prefix = uniquePrefix('dkim-bad');
    const env = (file: string) =>
      testConfig(prefix, {
        SMTP_URL: 'smtp://127.0.0.1:1',
        DKIM_DOMAIN: 'ombudsman.example',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY_FILE: file,
      });
    const start = (file: string) => () => startWorkerProcess(env(file), { log: createLogger({ level: 'silent' }) });

    expect(start(join(dir, 'missing.pem'))).toThrow(/^DKIM_PRIVATE_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/);

    const garbage = '-----BEGIN PRIVATE KEY-----\nTHIS-IS-NOT-A-KEY-secret-material\n-----END PRIVATE KEY-----\n';
    await writeFile(join(dir, 'bad.pem'), garbage);
    let error: unknown;
    try {
      start(join(dir, 'bad.pem'))();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^DKIM_PRIVATE_KEY_FILE: .*bad\.pem is not a PEM private key$/);
    expect((error as Error).message).not.toContain('secret-material');

    await writeFile(join(dir, 'small.pem'), rsaKeyPem(512));
    expect(start(join(dir, 'small.pem'))).toThrow(/512-bit RSA key; use 2048 bits/);
  });

  it('names the missing DKIM variable when only some are set', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'ombudsman.example', DKIM_SELECTOR: 's1' })).toThrow(
      /DKIM_PRIVATE_KEY_FILE: required with DKIM_DOMAIN and DKIM_SELECTOR/,
    );
  });
});
