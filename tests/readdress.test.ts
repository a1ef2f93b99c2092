/**
 * Re-sending a bounced letter to a corrected address: once, with its own
 * Message-ID, recorded in the ledger; refused for anything not bounced or
 * permanently failed, and for an address outside the allowlist.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readdressCommand } from '../src/cli/commands/readdress.js';
import { reportCommand } from '../src/cli/commands/report.js';
import { runCommand } from '../src/cli/commands/run.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('readdress', () => {
  it('sends a bounced letter once to the corrected address with a new Message-ID, and records who changed what', async () => {
    harness = await startHarness('readdress', { env: { RECIPIENT_ALLOWLIST: 'alpha.example.org' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(1, CAMPAIGN);
    const ledger = harness.producer.ledger(CAMPAIGN);

    const refused = (email: string, recipient = 'ceo') =>
      readdressCommand({ campaign: CAMPAIGN, authority: 'alpha', recipient, email, by: 'j.smith' }, harness!.config, quietPrint);
    await expect(refused('new.ceo@alpha.example.org')).rejects.toThrow(
      /is sent; only a bounced or permanent-failure delivery can be readdressed/,
    );

    expect(
      (await ledger.bounce('alpha', 'ceo', { diagnostic: 'smtp; 550 5.1.1 User unknown', email: 'ceo@alpha.example.org' })).bounced,
    ).toBe(true);
    await expect(refused('ceo@elsewhere.example')).rejects.toThrow(/not in RECIPIENT_ALLOWLIST; nothing changed/);
    expect(await ledger.get('alpha', 'ceo')).toMatchObject({ status: 'bounced' });

    await readdressCommand(
      { campaign: CAMPAIGN, authority: 'alpha', recipient: 'ceo', email: 'new.ceo@alpha.example.org', by: 'j.smith' },
      harness.config,
      quietPrint,
    );
    await expect(refused('newer.ceo@alpha.example.org')).rejects.toThrow(/only a bounced or permanent-failure delivery/);
    await harness.waitIdle(1, CAMPAIGN);

    const toNew = harness.sink.received.filter((m) => m.envelopeTo.includes('new.ceo@alpha.example.org'));
    expect(toNew.map((m) => m.messageId)).toEqual(['<2023-24.alpha.ceo.r1@example.org>']);
    expect(harness.sink.received).toHaveLength(3);
    const record = await ledger.get('alpha', 'ceo');
    expect(record).toMatchObject({ status: 'sent', email: 'new.ceo@alpha.example.org', messageId: '<2023-24.alpha.ceo.r1@example.org>' });
    expect(record!.readdresses).toEqual([
      {
        at: expect.any(Number),
        by: 'j.smith',
        from: 'ceo@alpha.example.org',
        to: 'new.ceo@alpha.example.org',
        status: 'bounced',
        reason: 'smtp; 550 5.1.1 User unknown',
        messageId: '<2023-24.alpha.ceo@example.org>',
        // The letter that bounced, as its outcome recorded it: the evidence of it outlives the readdress.
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        approvalSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        response: expect.stringMatching(/^250 /),
        finishedBy: expect.any(String),
        sentAt: expect.any(Number),
        bouncedAt: expect.any(Number),
      },
    ]);
    expect(record!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record!.sha256).not.toBe(record!.readdresses![0]!.sha256);
    const rows = await reportCommand({ campaign: CAMPAIGN, format: 'json' }, harness.config, quietPrint);
    expect(rows.find((r) => r.recipient === 'ceo')!.readdressed).toMatch(
      /^ceo@alpha\.example\.org -> new\.ceo@alpha\.example\.org by j\.smith at \d{4}-/,
    );
  });

  it('lists a bounced letter, with its diagnostic, among the gaps still owed', async () => {
    harness = await startHarness('readdress-gaps');
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha', head: false }]);
    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(1, CAMPAIGN);
    await harness.producer.ledger(CAMPAIGN).bounce('alpha', 'ceo', { diagnostic: 'smtp; 550 5.1.1 User unknown' });
    const gapsFile = join(harness.dir, 'gaps.json');
    await reportCommand({ campaign: CAMPAIGN, format: 'json', gaps: gapsFile }, harness.config, quietPrint);
    const gaps = JSON.parse(await readFile(gapsFile, 'utf8')) as Array<Record<string, string>>;
    expect(gaps).toMatchObject([{ authority: 'alpha', recipient: 'ceo', status: 'bounced', diagnostic: 'smtp; 550 5.1.1 User unknown' }]);
  });
});
