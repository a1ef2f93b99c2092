/**
 * RECIPIENT_ALLOWLIST: when set, no message goes to any other address. `run`
 * refuses such data up front; the worker refuses each such message as it is
 * handed to the relay, whatever enqueued it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../src/cli/commands/approve.js';
import { runCommand } from '../src/cli/commands/run.js';
import { loadConfig } from '../src/config.js';
import { isAllowed, parseAllowlist } from '../src/domain/index.js';
import { letterJobId } from '../src/schedule/queues.js';
import { withAllowlist } from '../src/send/allowlist-provider.js';
import type { MailProvider, OutgoingMessage } from '../src/send/mail-provider.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { letterJobCount } from './support/safety.js';

const CAMPAIGN = '2023-24';
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the allowlist', () => {
  it('allows whole domains (with or without @) and single addresses, in any case, but not subdomains', () => {
    const parsed = parseAllowlist(' Example.org, @other.org ,one@third.org,');
    expect(parsed).toEqual({ ok: true, entries: ['example.org', 'other.org', 'one@third.org'] });
    const list = parsed.ok ? parsed.entries : [];
    expect(isAllowed('CEO@example.org', list)).toBe(true);
    expect(isAllowed('a@other.org', list)).toBe(true);
    expect(isAllowed('one@third.org', list)).toBe(true);
    expect(isAllowed('two@third.org', list)).toBe(false);
    expect(isAllowed('a@mail.example.org', list)).toBe(false);
    expect(isAllowed('a@example.org.evil.net', list)).toBe(false);
    expect(isAllowed('anyone@anywhere.net', undefined)).toBe(true);
  });

  it('is a config error naming the bad entry by position, not by value', () => {
    expect(() => loadConfig({ RECIPIENT_ALLOWLIST: 'example.org, not an entry' })).toThrow(
      /RECIPIENT_ALLOWLIST: entry 2 of 2 is neither a domain \(example\.org\) nor an address/,
    );
    expect(() => loadConfig({ RECIPIENT_ALLOWLIST: 'example.org, not an entry' })).not.toThrow(/not an entry/);
    expect(() => loadConfig({ RECIPIENT_ALLOWLIST: ',' })).toThrow(/RECIPIENT_ALLOWLIST: lists no domain or address/);
  });

  it('stops a message to any address outside it at the provider, before the relay sees it', async () => {
    const sent: OutgoingMessage[] = [];
    const relay: MailProvider = {
      send: async (message) => {
        sent.push(message);
        return { outcome: 'sent', response: '250 ok', reference: 'q1', to: message.to.address };
      },
      close: () => {},
    };
    const provider = withAllowlist(relay, ['example.org']);
    const message = (address: string): OutgoingMessage => ({
      from: { name: 'The Ombudsman', address: 'reviews@example.org' },
      to: { name: 'A', address },
      subject: 'Annual Review letter',
      text: 'Dear A',
    });
    await expect(provider.send(message('a@example.org'))).resolves.toMatchObject({ outcome: 'sent', response: '250 ok' });
    // A permanent failure of our own, not a made-up SMTP reply: no relay said anything.
    const refused = await provider.send(message('b@elsewhere.net'));
    expect(refused).toEqual({
      outcome: 'permanent',
      response: 'not sent: b@elsewhere.net not in RECIPIENT_ALLOWLIST',
      to: 'b@elsewhere.net',
    });
    await expect(provider.send(message('a@mail.example.org'))).resolves.toMatchObject({ outcome: 'permanent' });
    await expect(provider.send(message(''))).resolves.toMatchObject({
      outcome: 'permanent',
      response: /\(no recipient\) not in RECIPIENT_ALLOWLIST/,
    });
    expect(sent).toHaveLength(1);
  });
});

describe('run with RECIPIENT_ALLOWLIST set', () => {
  it('refuses data with recipients outside it, listing each one, and enqueues nothing', async () => {
    harness = await startHarness('allow-run', { env: { RECIPIENT_ALLOWLIST: 'alpha.example.org' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }]);
    await harness.startWorker();
    const err: string[] = [];
    await approveCommand({ data }, harness.config, { out: () => {}, err: (l) => err.push(l) });
    expect(err.join('\n')).toMatch(/warning: 2 recipient\(s\) not in RECIPIENT_ALLOWLIST; `run` will refuse/);

    await expect(runCommand({ data, wait: false }, harness.config, quietPrint)).rejects.toThrow(
      /2 recipient\(s\) not in RECIPIENT_ALLOWLIST; nothing was enqueued: beta\/ceo ceo@beta\.example\.org, beta\/head leader@beta\.example\.org$/,
    );
    expect(await letterJobCount(harness)).toBe(0);
    expect(harness.sink.received).toHaveLength(0);
  });

  it('refuses a test run whose test inbox is outside it', async () => {
    harness = await startHarness('allow-test', { env: { RECIPIENT_ALLOWLIST: 'alpha.example.org' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }]);
    await expect(runCommand({ data, wait: false, testTo: 'me@elsewhere.net' }, harness.config, quietPrint)).rejects.toThrow(
      /the test inbox me@elsewhere\.net is not in RECIPIENT_ALLOWLIST; nothing was enqueued/,
    );
    expect(await letterJobCount(harness)).toBe(0);
  });
});

describe('a worker with RECIPIENT_ALLOWLIST set', () => {
  it('refuses each recipient outside it as a permanent failure, whatever enqueued the job, and delivers the rest', async () => {
    harness = await startHarness('allow-worker', { env: { RECIPIENT_ALLOWLIST: 'alpha.example.org, ceo@beta.example.org' } });
    const data = await writeDataSet(join(harness.dir, 'data'), [{ id: 'alpha' }, { id: 'beta' }]);
    // The producer has no allowlist (another host, another config): only the worker's stands in the way.
    const producerConfig = { ...harness.config, RECIPIENT_ALLOWLIST: undefined };
    await approve(producerConfig, data);
    await harness.startWorker();
    await runCommand({ data, wait: false }, producerConfig, quietPrint);
    const totals = await harness.waitIdle(2, CAMPAIGN);

    expect(totals).toMatchObject({ sent: 3, permanentFailures: 1 });
    expect(harness.sink.received.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'ceo@alpha.example.org',
      'ceo@beta.example.org',
      'leader@alpha.example.org',
    ]);
    const refused = await harness.producer.ledger(CAMPAIGN).get('beta', 'head');
    expect(refused).toMatchObject({
      status: 'permanent-failure',
      attempts: 1,
      response: 'not sent: leader@beta.example.org not in RECIPIENT_ALLOWLIST',
    });
    const job = await harness.producer.letters.getJob(letterJobId(CAMPAIGN, 'beta'));
    expect(await job!.getState()).toBe('failed');
    expect(job!.failedReason).toMatch(/head permanent-failure \(not sent: leader@beta\.example\.org not in RECIPIENT_ALLOWLIST\)/);
    const failed = (await harness.deliveryLogLines()).filter((l) => l.event === 'delivery.failed');
    expect(failed).toEqual([
      expect.objectContaining({
        authorityId: 'beta',
        recipient: 'head',
        failure: 'permanent',
        response: expect.stringMatching(/not in RECIPIENT_ALLOWLIST/),
      }),
    ]);
  });
});
