/**
 * `resend`: a delivered letter sent again as a new delivery, on the real
 * Redis, a real worker and a real SMTP server counting by Message-ID.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportCommand } from '../src/cli/commands/report.js';
import { resendCommand } from '../src/cli/commands/resend.js';
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

describe('resend', () => {
  it('sends a delivered letter again as a new delivery with its own Message-ID, recorded with who and why, and only once', async () => {
    harness = await startHarness('resend', {
      sink: { onRecipient: (address) => (address === 'mo1@alpha.example.org' ? { code: 550, message: '5.1.1 no such user' } : null) },
    });
    const h = harness;
    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org'] }]);
    await h.startWorker();
    await approve(h.config, data);
    await runCommand({ data, wait: false }, h.config, quietPrint);
    await h.waitIdle(1, CAMPAIGN);
    const first = h.sink.received.find((m) => m.letter === `${CAMPAIGN}/alpha/ceo`)!;

    const out: string[] = [];
    const result = await resendCommand(
      { campaign: CAMPAIGN, authority: 'alpha', recipient: 'ceo', by: 'olivia', reason: 'the chief executive asked for it again' },
      h.config,
      { out: (l) => void out.push(l), err: () => {} },
    );
    expect(result.key).toBe('ceo~resend-1');
    expect(result.resendOf).toBe(first.messageId);
    expect(result.messageId).not.toBe(first.messageId);
    expect(out[0]).toBe(
      `resend of alpha/ceo recorded as delivery alpha/ceo~resend-1, Message-ID ${result.messageId} (the first was ${first.messageId}); job ${CAMPAIGN}-alpha-ceo~resend-1 sends it`,
    );
    await expect.poll(() => h.sink.received.filter((m) => m.messageId === result.messageId).length, { timeout: 15_000 }).toBe(1);
    const copy = h.sink.received.find((m) => m.messageId === result.messageId)!;
    expect(copy.envelopeTo).toEqual(['ceo@alpha.example.org']);
    expect(copy.letter).toBe(`${CAMPAIGN}/alpha/ceo~resend-1`);

    const ledger = h.producer.ledger(CAMPAIGN);
    expect(await ledger.get('alpha', 'ceo')).toMatchObject({ status: 'sent', messageId: first.messageId });
    expect(await ledger.get('alpha', 'ceo~resend-1')).toMatchObject({
      status: 'sent',
      messageId: result.messageId,
      resendOf: first.messageId,
      resentBy: 'olivia',
      resendReason: 'the chief executive asked for it again',
    });
    const rows = await reportCommand({ campaign: CAMPAIGN, format: 'csv' }, h.config, quietPrint);
    expect(rows.map((r) => `${r.recipient} ${r.status}`)).toEqual(['ceo sent', 'ceo~resend-1 sent', 'head sent', 'mo-1 permanent-failure']);

    // A second resend is another new delivery; the first resend is not sent again.
    const second = await resendCommand(
      { campaign: CAMPAIGN, authority: 'alpha', recipient: 'ceo', by: 'olivia', reason: 'lost again' },
      h.config,
      quietPrint,
    );
    expect(second.key).toBe('ceo~resend-2');
    await h.waitIdle(1, CAMPAIGN);
    await expect.poll(() => h.sink.received.filter((m) => m.messageId === second.messageId).length, { timeout: 15_000 }).toBe(1);
    expect([...h.sink.countsByMessageId().values()].every((n) => n === 1)).toBe(true);
    expect(h.sink.received.filter((m) => m.envelopeTo[0] === 'ceo@alpha.example.org')).toHaveLength(3);

    // A letter that never arrived is not resent: it is retried.
    await expect(
      resendCommand({ campaign: CAMPAIGN, authority: 'alpha', recipient: 'mo-1', by: 'olivia', reason: 'x' }, h.config, quietPrint),
    ).rejects.toThrow(/alpha\/mo-1 is permanent-failure, not sent: use `retry --campaign 2023-24 --authority alpha`/);
    const log = (await readFile(h.config.DELIVERY_LOG, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.filter((l) => l.event === 'delivery.resend-requested').map((l) => [l.recipient, l.by, l.reason])).toEqual([
      ['ceo~resend-1', 'olivia', 'the chief executive asked for it again'],
      ['ceo~resend-2', 'olivia', 'lost again'],
    ]);
  }, 60_000);
});
