/**
 * `retry --campaign ID`: recovery in bulk, on the real Redis, a real worker
 * and a real SMTP server that counts every message by Message-ID.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { retryCommand } from '../src/cli/commands/retry.js';
import { runCommand } from '../src/cli/commands/run.js';
import type { SmtpReply } from '../src/demo/smtp-sink.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function recording() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, print: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

/** Three authorities; the relay refuses three addresses for good (550) and one for now (451). */
async function runWithFailures(refuse: Map<string, SmtpReply>): Promise<Harness> {
  const h = await startHarness('retry-cmd', {
    sink: { onRecipient: (address) => refuse.get(address) ?? null },
    env: { SEND_ATTEMPTS: '1' },
  });
  refuse.set('ceo@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
  refuse.set('mo1@alpha.example.org', { code: 550, message: '5.1.1 no such user' });
  refuse.set('leader@beta.example.org', { code: 550, message: '5.7.1 relaying denied' });
  refuse.set('ceo@gamma.example.org', { code: 451, message: '4.2.1 mailbox busy' });
  const data = await writeDataSet(join(h.dir, 'data'), [
    { id: 'alpha', monitoringOfficers: ['mo1@alpha.example.org'] },
    { id: 'beta' },
    { id: 'gamma' },
  ]);
  await h.startWorker();
  await approve(h.config, data);
  await runCommand({ data, wait: false }, h.config, quietPrint);
  await h.waitIdle(3, CAMPAIGN);
  return h;
}

describe('retry --campaign', () => {
  it('says how many deliveries it will reset, resets nothing when the operator says no, and sends each once when told yes, recording who', async () => {
    const refuse = new Map<string, SmtpReply>();
    harness = await runWithFailures(refuse);
    const h = harness;
    expect(h.sink.received).toHaveLength(3); // alpha/head, beta/ceo, gamma/head
    refuse.clear();

    const asked: string[] = [];
    const no = recording();
    const declined = await retryCommand(
      {
        campaign: CAMPAIGN,
        status: 'permanent-failure',
        by: 'olivia',
        confirm: async (q) => {
          asked.push(q);
          return false;
        },
      },
      h.config,
      no.print,
    );
    expect(declined.plan.deliveries.map((d) => `${d.authorityId}/${d.recipient}`)).toEqual(['alpha/ceo', 'alpha/mo-1', 'beta/head']);
    expect(no.err[0]).toBe(
      'will reset 3 deliveries (3 permanent failures, 0 temporary failures) to queued and run the letter jobs of 2 authorities again; each sends only to its recipients not yet sent:',
    );
    expect(asked).toEqual(['reset these 3 deliveries and send them? [y/N] ']);
    expect(no.err).toContain('nothing was reset');
    expect((await h.producer.ledger(CAMPAIGN).counts())['permanent-failure']).toBe(3);

    const yes = recording();
    const done = await retryCommand({ campaign: CAMPAIGN, status: 'permanent-failure', by: 'olivia', yes: true }, h.config, yes.print);
    expect(done.result).toMatchObject({ reset: 3, changed: [] });
    expect(yes.out[0]).toBe('reset 3 deliveries to queued; letter jobs: 2 run again, 0 brought forward, 0 already waiting, 0 added again');
    await h.waitIdle(3, CAMPAIGN);

    // Every message once, by Message-ID; the temporary failure was not in the selection.
    expect(h.sink.received).toHaveLength(6);
    expect([...h.sink.countsByMessageId().values()].every((n) => n === 1)).toBe(true);
    const ledger = h.producer.ledger(CAMPAIGN);
    expect(await ledger.get('alpha', 'mo-1')).toMatchObject({ status: 'sent', retriedBy: 'olivia' });
    expect(await ledger.get('gamma', 'ceo')).toMatchObject({ status: 'temporary-failure' });
    expect((await ledger.get('gamma', 'ceo'))?.retriedBy).toBeUndefined();
    const log = (await readFile(h.config.DELIVERY_LOG, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const resets = log.filter((l) => l.event === 'delivery.reset');
    expect(resets.map((l) => [l.authorityId, l.recipient, l.previousStatus, l.by])).toEqual([
      ['alpha', 'ceo', 'permanent-failure', 'olivia'],
      ['alpha', 'mo-1', 'permanent-failure', 'olivia'],
      ['beta', 'head', 'permanent-failure', 'olivia'],
    ]);

    // Run again: nothing failed permanently any more, so nothing to reset and nothing sent.
    const again = recording();
    expect(
      (await retryCommand({ campaign: CAMPAIGN, status: 'permanent-failure', by: 'olivia', yes: true }, h.config, again.print)).plan
        .deliveries,
    ).toEqual([]);
    expect(again.err[0]).toBe('nothing to retry in campaign 2023-24: no failed delivery matches');
    await h.waitIdle(3, CAMPAIGN);
    expect(h.sink.received).toHaveLength(6);
  }, 60_000);

  it("narrows the selection by authority and by the relay's reply", async () => {
    const refuse = new Map<string, SmtpReply>();
    harness = await runWithFailures(refuse);
    const h = harness;
    refuse.clear();
    const byReply = await retryCommand(
      { campaign: CAMPAIGN, reply: '5.7.1', by: 'olivia', confirm: async () => false },
      h.config,
      quietPrint,
    );
    expect(byReply.plan.deliveries.map((d) => `${d.authorityId}/${d.recipient}`)).toEqual(['beta/head']);
    const byAuthority = await retryCommand({ campaign: CAMPAIGN, authority: 'gamma', by: 'olivia', yes: true }, h.config, quietPrint);
    expect(byAuthority.plan.deliveries.map((d) => `${d.authorityId}/${d.recipient} ${d.status}`)).toEqual(['gamma/ceo temporary-failure']);
    await h.waitIdle(3, CAMPAIGN);
    expect(h.sink.received.filter((m) => m.letter === `${CAMPAIGN}/gamma/ceo`)).toHaveLength(1);
    expect(h.sink.received).toHaveLength(4);
  }, 60_000);

  it('refuses to go ahead unasked when stdin is not a terminal', async () => {
    const refuse = new Map<string, SmtpReply>();
    harness = await runWithFailures(refuse);
    await expect(retryCommand({ campaign: CAMPAIGN, by: 'olivia' }, harness.config, quietPrint)).rejects.toThrow(/add --yes/);
    expect((await harness.producer.ledger(CAMPAIGN).counts())['permanent-failure']).toBe(3);
  }, 60_000);
});
