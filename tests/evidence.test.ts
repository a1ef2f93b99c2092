/**
 * Proof of what was sent: every message a worker hands to the relay is kept
 * byte for byte (EVIDENCE_DIR) with its sha256, its approval and the relay's
 * answer in the ledger; `evidence` packs them with the approved campaign
 * folder into a signed hash chain, and `verify` checks a pack with nothing
 * but the public key, naming the first thing that does not match.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdressCommand } from '../src/cli/commands/readdress.js';
import { resendCommand } from '../src/cli/commands/resend.js';
import { runCommand } from '../src/cli/commands/run.js';
import { SmtpSink } from '../src/demo/smtp-sink.js';
import type { Approval } from '../src/domain/index.js';
import { keepUntil } from '../src/evidence/evidence-store.js';
import { FolderEvidenceStore } from '../src/evidence/folder-store.js';
import { signedText } from '../src/evidence/manifest.js';
import { fingerprintOf, loadSigningKey } from '../src/evidence/signing-key.js';
import { openOperations } from '../src/operations/context.js';
import { type EvidencePack, makeEvidencePack } from '../src/operations/evidence.js';
import { verifyEvidencePack } from '../src/operations/verify-evidence.js';
import { createSmtpProvider } from '../src/send/smtp-provider.js';
import { approve } from './support/approve.js';
import { addAttachment, writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

function ed25519(): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

let h: Harness;
let keys: string;
let data: string;
let approval: Approval;
let pack: EvidencePack;
const signer = ed25519();

beforeAll(async () => {
  keys = await mkdtemp(join(tmpdir(), 'arm-evidence-keys-'));
  await writeFile(join(keys, 'signing.pem'), signer.pem, { mode: 0o600 });
  h = await startHarness('evidence', { sink: { keepRaw: true }, env: { EVIDENCE_SIGNING_KEY_FILE: join(keys, 'signing.pem') } });
  data = await writeDataSet(join(h.dir, 'data'), [
    { id: 'alpha', stats: [29, 23, 11, 11, 16], monitoringOfficers: ['mo@alpha.example.org'] },
    { id: 'beta', head: false, stats: [3, 1, 1, 1, 1] },
    { id: 'gamma', stats: [5, 2, 1, 0, 2] },
  ]);
  await addAttachment(data, 'beta', 'Decisions.csv', 'case,decision\n1,upheld\n');
  await h.startWorker();
  approval = await approve(h.config, data, { by: 'Approver' });
  await runCommand({ data, wait: false, by: 'Runner' }, h.config, quietPrint);
  await h.waitIdle(3, CAMPAIGN);

  // A bounce and its readdress, and a resend: each must take its place in the chain, with who did it.
  const ledger = h.producer.ledger(CAMPAIGN);
  await ledger.bounce('alpha', 'ceo', { diagnostic: 'smtp; 550 5.1.1 User unknown', email: 'ceo@alpha.example.org' });
  await readdressCommand(
    { campaign: CAMPAIGN, authority: 'alpha', recipient: 'ceo', email: 'new.ceo@alpha.example.org', by: 'j.smith' },
    h.config,
    quietPrint,
  );
  await h.waitIdle(3, CAMPAIGN);
  await resendCommand(
    { campaign: CAMPAIGN, authority: 'beta', recipient: 'ceo', by: 'olivia', reason: 'asked again' },
    h.config,
    quietPrint,
  );
  await h.waitIdle(3, CAMPAIGN);
  if ((await ledger.get('beta', 'ceo~resend-1'))?.status !== 'sent') throw new Error('the resend was not sent');

  pack = await packOf(join(h.dir, 'pack'));
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (keys) await rm(keys, { recursive: true, force: true });
});

async function packOf(out: string, authority?: string, dir = data): Promise<EvidencePack> {
  const ops = await openOperations(h.config);
  try {
    return await makeEvidencePack(ops, {
      campaignId: CAMPAIGN,
      dataDir: dir,
      outDir: out,
      authority,
      by: 'Packer',
      key: loadSigningKey(h.config),
    });
  } finally {
    await ops.close();
  }
}

function verify(dir: string, publicKey = signer.publicKey) {
  return verifyEvidencePack({ dir, publicKey, fingerprint: fingerprintOf(publicKey) });
}

async function manifestLines(dir: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(join(dir, 'manifest.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A copy of the pack to tamper with. */
async function copyOfPack(name: string): Promise<string> {
  const dir = join(h.dir, `tampered-${name}`);
  await cp(pack.dir, dir, { recursive: true });
  return dir;
}

/** Writes these entries as the manifest, chained afresh, and signs it with `key`: what someone holding a key could do. */
async function rewriteAndSign(dir: string, entries: Array<Record<string, unknown>>, key: { privateKey: KeyObject; publicKey: KeyObject }) {
  let prev = '0'.repeat(64);
  const lines = entries.map((entry, i) => {
    const { seq: _seq, prev: _prev, ...rest } = entry;
    const line = JSON.stringify({ seq: i + 1, prev, ...rest });
    prev = sha256(line);
    return line;
  });
  await writeFile(join(dir, 'manifest.jsonl'), lines.map((l) => `${l}\n`).join(''));
  const signature = JSON.parse(await readFile(join(dir, 'signature.json'), 'utf8')) as Record<string, unknown>;
  const text = signedText(CAMPAIGN, lines.length, prev);
  await writeFile(
    join(dir, 'signature.json'),
    JSON.stringify({
      ...signature,
      entries: lines.length,
      head: prev,
      keyFingerprint: fingerprintOf(key.publicKey),
      signature: sign(null, Buffer.from(text), key.privateKey).toString('base64'),
    }),
  );
}

describe('keeping what was sent', () => {
  it('keeps each message byte for byte as the relay received it, and records its sha256 and the approval it went out under', async () => {
    const store = new FolderEvidenceStore(h.config.EVIDENCE_DIR);
    let records = 0;
    for await (const record of h.producer.ledger(CAMPAIGN).records()) {
      records++;
      const received = h.sink.raw.get(record.messageId)!;
      expect(received, `${record.authorityId}/${record.recipient}`).toBeDefined();
      expect(record.sha256).toBe(sha256(received));
      expect(record.approvalSha256).toBe(approval.sha256);
      expect((await store.read(CAMPAIGN, record.sha256!))?.equals(received)).toBe(true);
    }
    // alpha: ceo (readdressed), head, mo-1; beta: ceo and its resend; gamma: ceo, head.
    expect(records).toBe(7);
    const sent = (await h.deliveryLogLines()).filter((l) => l.event === 'delivery.sent');
    expect(sent).toHaveLength(8);
    for (const line of sent)
      expect(line).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), approvalSha256: approval.sha256 });
  });
});

describe('an evidence pack', () => {
  it('verifies: an unbroken signed chain, every file as its entry says, every letter made again from the approved files', async () => {
    expect(pack).toMatchObject({ letters: 8, missing: [], otherApproval: [], approval: { sha256: approval.sha256 } });
    const verdict = await verify(pack.dir);
    expect(verdict).toEqual({
      ok: true,
      pack: {
        campaign: CAMPAIGN,
        authority: null,
        entries: pack.entries,
        head: pack.head,
        approval: approval.sha256,
        letters: 8,
        pdfs: 0,
        pdfsNotPrinted: 0,
      },
    });
    // Each message in the pack is the one the relay received.
    for (const [messageId, raw] of h.sink.raw) {
      const entry = (await manifestLines(pack.dir)).find((e) => e.type === 'sent' && e.messageId === messageId)!;
      expect(await readFile(join(pack.dir, String(entry.path)))).toEqual(raw);
    }
  });

  it('has the bounce, the readdress and the resend in the chain in the order they happened, with who did them', async () => {
    const events = (await manifestLines(pack.dir)).filter((e) => typeof e.at === 'string' && e.type !== 'approval');
    const times = events.map((e) => String(e.at));
    expect(times).toEqual([...times].sort());
    const of = (authority: string, recipient: string) =>
      events.filter((e) => e.authority === authority && e.recipient === recipient).map((e) => [e.type, e.by, e.email ?? e.to]);
    expect(of('alpha', 'ceo')).toEqual([
      ['sent', expect.any(String), 'ceo@alpha.example.org'],
      ['bounced', 'bounces', 'ceo@alpha.example.org'],
      ['readdressed', 'j.smith', 'new.ceo@alpha.example.org'],
      ['sent', expect.any(String), 'new.ceo@alpha.example.org'],
    ]);
    expect(of('beta', 'ceo~resend-1')).toEqual([
      ['resend-requested', 'olivia', undefined],
      ['sent', expect.any(String), 'ceo@beta.example.org'],
    ]);
    const firstLetter = events.find((e) => e.type === 'sent' && e.authority === 'alpha' && e.recipient === 'ceo')!;
    expect(firstLetter).toMatchObject({
      messageId: '<2023-24.alpha.ceo@example.org>',
      approvalSha256: approval.sha256,
      response: expect.stringMatching(/^250 /),
    });
  });

  it('is refused for a campaign folder changed after approval, naming the file', async () => {
    const changed = join(h.dir, 'changed-data');
    await cp(data, changed, { recursive: true });
    await writeFile(join(changed, 'templates', 'partials', 'extra.mjml'), '<mj-text>not approved</mj-text>\n');
    await expect(packOf(join(h.dir, 'refused-pack'), undefined, changed)).rejects.toThrow(
      /is not campaign 2023-24's folder as approved: templates\/partials\/extra\.mjml added since Approver approved it/,
    );
    expect(await readdir(join(h.dir, 'refused-pack')).catch(() => [])).toEqual([]);
  });
});

describe('verify names what does not match', () => {
  it('a kept message with one byte edited', async () => {
    const dir = await copyOfPack('byte');
    const entry = (await manifestLines(dir)).find((e) => e.type === 'sent' && e.authority === 'gamma')!;
    const file = join(dir, String(entry.path));
    const bytes = await readFile(file);
    const at = bytes.indexOf('Chief-gamma');
    bytes[at] = 'c'.charCodeAt(0);
    await writeFile(file, bytes);
    const verdict = await verify(dir);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.problem).toMatch(
      new RegExp(
        `^${String(entry.path)} does not match manifest\\.jsonl:\\d+ \\(entry \\d+, sent gamma/${String(entry.recipient)} at .*the message was changed after it was recorded$`,
      ),
    );
  });

  it('an entry dropped from the chain', async () => {
    const dir = await copyOfPack('drop');
    const lines = (await readFile(join(dir, 'manifest.jsonl'), 'utf8')).split('\n');
    lines.splice(9, 1);
    await writeFile(join(dir, 'manifest.jsonl'), lines.join('\n'));
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toMatch(/^entry 10 is missing: manifest\.jsonl:10 is entry 11 \(.*\); the chain was cut there$/);
  });

  it('two entries in the chain swapped', async () => {
    const dir = await copyOfPack('reorder');
    const lines = (await readFile(join(dir, 'manifest.jsonl'), 'utf8')).split('\n');
    [lines[12], lines[13]] = [lines[13]!, lines[12]!];
    await writeFile(join(dir, 'manifest.jsonl'), lines.join('\n'));
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toMatch(
      /^entries out of order: manifest\.jsonl:13 is entry 14 \(.*\), and entry 13 is at line 14$/,
    );
  });

  it('an entry dropped and the chain numbered and linked again: the signature no longer holds', async () => {
    const dir = await copyOfPack('relinked');
    const entries = (await manifestLines(dir)).filter((e) => !(e.type === 'sent' && e.authority === 'beta'));
    const signature = await readFile(join(dir, 'signature.json'));
    await rewriteAndSign(dir, entries, ed25519());
    await writeFile(join(dir, 'signature.json'), signature);
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toMatch(
      /^the manifest has \d+ entries and was signed with \d+: entries were removed since it was signed$/,
    );
  });

  it('a campaign file changed after approval', async () => {
    const dir = await copyOfPack('campaign-file');
    const file = join(dir, 'campaign', 'authorities.csv');
    await writeFile(file, (await readFile(file, 'utf8')).replace('29,23', '29,24'));
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toMatch(
      /^campaign\/authorities\.csv is not the file that was approved: it hashes to [0-9a-f]{64}, the approval and manifest\.jsonl:\d+ \(entry \d+, campaign file authorities\.csv\) say [0-9a-f]{64}; it was changed after approval$/,
    );
  });

  it('a pack signed with another key', async () => {
    const dir = await copyOfPack('other-key');
    const other = ed25519();
    await rewriteAndSign(dir, await manifestLines(dir), other);
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toBe(
      `the pack was signed with another key: signature.json names key ${fingerprintOf(other.publicKey)}, and its signature does not verify with the key given (${fingerprintOf(signer.publicKey)})`,
    );
    // And the true pack against someone else's public key.
    const wrongKey = await verify(pack.dir, other.publicKey);
    expect(!wrongKey.ok && wrongKey.problem).toMatch(/^the pack was signed with another key: signature\.json names key /);
  });

  it('a letter altered and the whole pack made again and signed with the true key: it is not what the approved files make', async () => {
    const dir = await copyOfPack('altered-letter');
    const entries = await manifestLines(dir);
    const entry = entries.find((e) => e.type === 'sent' && e.authority === 'gamma' && e.recipient === 'ceo')!;
    const file = join(dir, String(entry.path));
    const original = await readFile(file, 'latin1');
    const altered = original.replace(/Chief-gamma/g, 'Chief-gamnn');
    expect(altered).not.toBe(original);
    await writeFile(file, altered, 'latin1');
    entry.sha256 = sha256(Buffer.from(altered, 'latin1'));
    await rewriteAndSign(dir, entries, signer);
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toMatch(
      new RegExp(
        `^${String(entry.path)} \\(manifest\\.jsonl:\\d+ \\(entry \\d+, sent gamma/ceo at .*\\)\\) is not the letter the approved files make: its (text|HTML|subject) differs at line \\d+: the message has ".*Chief-gamnn.*", the approved files make ".*Chief-gamma.*"$`,
      ),
    );
  });

  it('a file added to the pack afterwards', async () => {
    const dir = await copyOfPack('extra');
    await writeFile(join(dir, 'messages', 'alpha', 'ceo-forged.eml'), 'From: nobody\r\n\r\nforged\r\n');
    const verdict = await verify(dir);
    expect(!verdict.ok && verdict.problem).toBe(
      'messages/alpha/ceo-forged.eml is in the pack but not in its manifest: it was added afterwards',
    );
  });
});

describe('an information request', () => {
  it("packs one authority's letters with its rows and files only, and verifies", async () => {
    const packs = { alpha: 4, beta: 2 };
    for (const [authority, letters] of Object.entries(packs)) {
      const one = await packOf(join(h.dir, `pack-${authority}`), authority);
      expect(one).toMatchObject({ authority, letters, missing: [] });
      expect(await verify(one.dir)).toMatchObject({ ok: true, pack: { authority, letters } });
      const others = new RegExp(['alpha', 'beta', 'gamma'].filter((a) => a !== authority).join('|'));
      const files = (await readdir(one.dir, { recursive: true, withFileTypes: true }))
        .filter((f) => f.isFile())
        .map((f) => join(f.parentPath, f.name));
      for (const file of files) {
        // The approvals list every approved file's name and sha256 (that is what lets them be checked); nothing else names another authority.
        if (file.startsWith(join(one.dir, 'approvals'))) continue;
        expect(await readFile(file, 'utf8'), file).not.toMatch(others);
      }
      expect(await readFile(join(one.dir, 'campaign', 'authorities.csv'), 'utf8')).toMatch(
        new RegExp(`^id,name,kind,[^\\n]*\\n${authority},${authority.toUpperCase()} Council,[^\\n]*\\n$`),
      );
    }
    // beta's own file goes with beta's letters; alpha's pack names it nowhere but in the approval.
    expect(await readFile(join(h.dir, 'pack-beta', 'campaign', 'attachments', 'beta', 'Decisions.csv'), 'utf8')).toBe(
      'case,decision\n1,upheld\n',
    );
  });
});

describe('the SMTP adapter', () => {
  const message = {
    from: { name: 'Ombudsman', address: 'annual@example.org' },
    to: { name: 'Ms Chief', address: 'ceo@alpha.example.org' },
    subject: 'Annual Review letter',
    text: 'Dear Ms Chief\n.a line that starts with a dot\n',
    html: '<p>Dear Ms Chief</p>\n',
    messageId: '<2023-24.alpha.ceo@example.org>',
  };

  it('hands the relay nothing when the message cannot be kept, and says so as a transient failure', async () => {
    const sink = new SmtpSink();
    const provider = createSmtpProvider({ url: await sink.start() });
    try {
      const outcome = await provider.send(message, {
        keep: async () => {
          throw new Error('ENOSPC: no space left on device');
        },
      });
      expect(outcome).toMatchObject({
        outcome: 'transient',
        response: 'not sent: the message could not be kept (ENOSPC: no space left on device)',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(sink.received).toHaveLength(0);
    } finally {
      provider.close();
      await sink.stop();
    }
  });

  it("keeps the very bytes the relay receives, and records the relay's queue id", async () => {
    const received: Buffer[] = [];
    const relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks));
          callback(null, 'Ok: queued as 4XyZ1');
        });
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.server.address() as { port: number }).port;
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${port}` });
    try {
      const kept: Buffer[] = [];
      const outcome = await provider.send(message, { keep: async (m) => void kept.push(m.raw) });
      expect(outcome).toMatchObject({ outcome: 'sent', queueId: '4XyZ1', reference: '4XyZ1' });
      expect(kept).toHaveLength(1);
      expect(received[0]).toEqual(kept[0]);
      expect(outcome.sha256).toBe(sha256(received[0]!));
    } finally {
      provider.close();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });
});

describe('the evidence folder', () => {
  it("reads back every whole message of a worker's file, and skips a record a crash cut short", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arm-evidence-folder-'));
    try {
      const store = new FolderEvidenceStore(dir);
      const messages = ['first', 'second', 'third'].map((word) => Buffer.from(`From: a\r\n\r\n${word}\r\n`));
      for (const raw of messages) await store.keep({ campaign: CAMPAIGN, sha256: sha256(raw), raw, keepUntil: keepUntil(new Date(), 6) });
      store.close();
      // A worker killed in the middle of its next write: a header, and only part of the bytes it announces.
      const [file] = (await readdir(join(dir, CAMPAIGN))).filter((f) => f.endsWith('.messages'));
      await appendFile(join(dir, CAMPAIGN, file!), `arm-message ${sha256('cut short')} 500\n\x1f\x8b\x08`);
      const reader = new FolderEvidenceStore(dir);
      for (const raw of messages) expect((await reader.read(CAMPAIGN, sha256(raw)))?.equals(raw)).toBe(true);
      expect(await reader.read(CAMPAIGN, sha256('cut short'))).toBeNull();
      // The next process appends to a file of its own; both are read.
      const later = Buffer.from('From: a\r\n\r\nlater\r\n');
      await reader.keep({ campaign: CAMPAIGN, sha256: sha256(later), raw: later, keepUntil: keepUntil(new Date(), 6) });
      reader.close();
      expect((await new FolderEvidenceStore(dir).read(CAMPAIGN, sha256(later)))?.equals(later)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('reads a record kept as gzip, as files written before 2026-12-08 keep them, beside the ones kept as sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arm-evidence-gzip-'));
    try {
      const old = Buffer.from('From: a\r\n\r\nkept as gzip\r\n');
      const packed = gzipSync(old);
      await mkdir(join(dir, CAMPAIGN), { recursive: true });
      await writeFile(
        join(dir, CAMPAIGN, 'host-1-1.messages'),
        Buffer.concat([Buffer.from(`arm-message ${sha256(old)} ${packed.length}\n`), packed]),
      );
      const store = new FolderEvidenceStore(dir);
      const recent = Buffer.from('From: a\r\n\r\nkept as sent\r\n');
      await store.keep({ campaign: CAMPAIGN, sha256: sha256(recent), raw: recent, keepUntil: keepUntil(new Date(), 6) });
      store.close();
      const reader = new FolderEvidenceStore(dir);
      expect((await reader.read(CAMPAIGN, sha256(old)))?.equals(old)).toBe(true);
      expect((await reader.read(CAMPAIGN, sha256(recent)))?.equals(recent)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('retention', () => {
  it("removes a campaign's kept messages once its keep-until date has passed, and keeps the others", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arm-evidence-prune-'));
    try {
      const store = new FolderEvidenceStore(dir);
      const raw = Buffer.from('From: a\r\n\r\nold\r\n');
      await store.keep({ campaign: '2017-18', sha256: sha256(raw), raw, keepUntil: keepUntil(new Date('2018-05-21T09:00:00Z'), 6) });
      const recent = Buffer.from('From: a\r\n\r\nrecent\r\n');
      await store.keep({ campaign: '2023-24', sha256: sha256(recent), raw: recent, keepUntil: keepUntil(new Date(), 6) });
      expect(await readFile(join(dir, '2017-18', 'keep-until'), 'utf8')).toBe('2024-05-21\n');
      expect(await store.prune(new Date())).toEqual([{ campaign: '2017-18', keptUntil: '2024-05-21', messages: 1 }]);
      expect(await store.read('2017-18', sha256(raw))).toBeNull();
      expect((await store.read('2023-24', sha256(recent)))?.equals(recent)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
