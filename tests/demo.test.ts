/**
 * `demo`: the whole annual run on the bundled sample, with the embedded sink.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../src/cli/commands/demo.js';
import { evidenceCommand } from '../src/cli/commands/evidence.js';
import { evidenceKeyCommand } from '../src/cli/commands/evidence-key.js';
import { verifyCommand } from '../src/cli/commands/verify.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { recipientsOf } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { quietPrint } from './support/harness.js';
import { openProducer } from './support/producer.js';
import { cleanPrefix, testConfig, uniquePrefix } from './support/redis.js';

const prefix = uniquePrefix('demo');
const demoPrefix = `${prefix}-demo`;
let outbox = '';
let delivered = 0;

afterAll(async () => {
  await cleanPrefix(demoPrefix);
  if (outbox) await rm(outbox, { recursive: true, force: true });
});

describe('the demo', () => {
  it('delivers exactly one message to every expected recipient, and the ledger and delivery log agree with the SMTP server', async () => {
    outbox = await mkdtemp(join(tmpdir(), 'arm-demo-outbox-'));
    const config = testConfig(prefix);
    const result = await demoCommand({ outbox }, config, quietPrint);

    const { dataSet } = await loadDataSet(SAMPLE_DATA_DIR);
    const expected = dataSet!.authorities.flatMap((a) => recipientsOf(a).map((r) => `${a.id}/${r.key}`)).sort();
    expect(expected.length).toBeGreaterThan(1000);
    expect(result).toMatchObject({ added: dataSet!.authorities.length, existing: 0, received: expected.length });
    expect(result.totals).toMatchObject({ deliveries: expected.length, sent: expected.length, pending: 0, permanentFailures: 0 });

    // The outbox holds one .eml per recipient, and each carries its own Message-ID.
    const files: string[] = [];
    for (const authority of await readdir(join(outbox, '2023-24'))) {
      for (const file of await readdir(join(outbox, '2023-24', authority))) files.push(`${authority}/${file.replace(/\.eml$/, '')}`);
    }
    expect(files.sort()).toEqual(expected);
    const lcrca = await simpleParser(await readFile(join(outbox, '2023-24', 'lcrca', 'ceo.eml')));
    expect(lcrca.messageId).toBe('<2023-24.lcrca.ceo@example.org>');
    expect(lcrca.subject).toBe('Annual Review letter 2023-24: Liverpool City Region Combined Authority');
    expect(lcrca.text).toContain('Dear Ms Fairclough');
    // The sample campaign sends the letter in the body and as a PDF, with lcrca's own file from data/sample/attachments/.
    const csvName = 'Decisions 2023-24 - Liverpool City Region Combined Authority.csv';
    expect(lcrca.attachments.map((a) => a.filename)).toEqual([
      'Annual Review letter 2023-24 - Liverpool City Region Combined Authority.pdf',
      csvName,
    ]);
    expect(lcrca.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    expect(lcrca.attachments[1]!.content.equals(await readFile(join(SAMPLE_DATA_DIR, 'attachments', 'lcrca', csvName)))).toBe(true);
    const copy = await simpleParser(await readFile(join(outbox, '2023-24', 'lcrca', 'head.eml')));
    expect(copy.attachments[0]!.content.equals(lcrca.attachments[0]!.content)).toBe(true);

    // The ledger says sent, once, for exactly those recipients.
    const producer = await openProducer(testConfig(demoPrefix));
    const ledgerIds: string[] = [];
    try {
      for await (const r of producer.ledger('2023-24').records()) {
        expect(r).toMatchObject({ status: 'sent', attempts: 1 });
        ledgerIds.push(r.messageId);
      }
    } finally {
      await producer.close();
    }
    expect(ledgerIds).toHaveLength(expected.length);

    // The delivery log has one delivery.sent line per message, with the same Message-IDs.
    const lines = (await readFile(result.deliveryLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const sent = lines.filter((l) => l.event === 'delivery.sent').map((l) => String(l.messageId));
    expect(sent.sort()).toEqual(ledgerIds.sort());
    delivered = ledgerIds.length;
    // 400 PDFs: about 25 s on an idle 2-core machine, minutes on a loaded one.
  }, 300_000);

  it('is followed by evidence and verify: a signed pack of every letter, each made again from the sample as approved', async () => {
    expect(delivered, 'the demo above ran').toBeGreaterThan(1000);
    const signingKey = join(outbox, 'evidence-signing.pem');
    await writeFile(signingKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // What the demo's worker used: its key prefix, and the evidence folder in its outbox.
    const config = testConfig(demoPrefix, { EVIDENCE_DIR: join(outbox, 'evidence'), EVIDENCE_SIGNING_KEY_FILE: signingKey });
    const publicKey = join(outbox, 'evidence-public.pem');
    await writeFile(publicKey, `${evidenceKeyCommand(config, quietPrint)}\n`);

    const dir = join(outbox, 'evidence-pack');
    const pack = await evidenceCommand({ campaign: '2023-24', data: SAMPLE_DATA_DIR, out: dir, by: 'tester' }, config, quietPrint);
    expect(pack).toMatchObject({ letters: delivered, missing: [], otherApproval: [] });
    const verdict = await verifyCommand({ dir, key: publicKey }, config, quietPrint);
    expect(verdict).toMatchObject({ ok: true, pack: { campaign: '2023-24', letters: delivered, pdfsNotPrinted: delivered } });
  }, 300_000);
});
