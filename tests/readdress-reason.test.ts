/**
 * Readdress to a domain that is none of the authority's (a look-alike
 * domain took a chief executive's letter and its PDF) needs the operator's
 * reason, on the command line and in the console alike: without one nothing
 * changes (the console answers 400 naming `reason`); with one the change is
 * recorded with who, from, to and why in the ledger, the delivery log and
 * the report's readdressed column. An address at one of the authority's
 * domains needs none. Real Redis, a real SMTP server, a worker.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readdressCommand } from '../src/cli/commands/readdress.js';
import { reportCommand } from '../src/cli/commands/report.js';
import { writeDataSet } from './support/data-set.js';
import { quietPrint } from './support/harness.js';
import { CAMPAIGN, eventually, OPERATOR, startUiHarness, type UiHarness } from './support/ui-harness.js';

let h: UiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const api = (path: string) => `/api/campaigns/${CAMPAIGN}/authorities/alpha${path}`;

async function readdressedLines(h: UiHarness): Promise<Array<Record<string, unknown>>> {
  return (await readFile(h.config.DELIVERY_LOG, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === 'delivery.readdressed');
}

describe('readdress to a domain that is none of the authority’s', () => {
  it('needs --reason on the command line, and records who, from, to and why in the ledger, the delivery log and the report', async () => {
    h = await startUiHarness('readdress-reason-cli');
    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha', monitoringOfficers: ['mo@alpha-legal.example.org'] }]);
    await h.runApproved(data, 1);
    const ledger = h.producer.ledger(CAMPAIGN);
    for (const recipient of ['ceo', 'head', 'mo-1'])
      expect((await ledger.bounce('alpha', recipient, { diagnostic: '550 5.1.1 unknown' })).bounced).toBe(true);
    const readdress = (recipient: string, email: string, reason?: string) =>
      readdressCommand({ campaign: CAMPAIGN, authority: 'alpha', recipient, email, by: 'j.smith', reason }, h!.config, quietPrint);

    await expect(readdress('ceo', 'ceo@alpha-council.example')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^--reason: ceo@alpha-council\.example is at alpha-council\.example, none of ALPHA Council's domains \(alpha\.example\.org, alpha-legal\.example\.org\)/,
      ),
    });
    expect(await ledger.get('alpha', 'ceo')).toMatchObject({ status: 'bounced', email: 'ceo@alpha.example.org' });

    // At one of the authority's domains (its chief executive's, or an officer's on file): no reason needed.
    // Each runs the authority's letter job again: the next waits for it to finish.
    await readdress('head', 'new.leader@alpha.example.org');
    await h.waitIdle(1, CAMPAIGN);
    await readdress('mo-1', 'new.mo@alpha-legal.example.org');
    await h.waitIdle(1, CAMPAIGN);
    await readdress('ceo', 'ceo@alpha-council.example', 'the council moved to alpha-council.example on 1 May; confirmed by phone');
    await h.waitIdle(1, CAMPAIGN);

    expect((await ledger.get('alpha', 'ceo'))!.readdresses).toMatchObject([
      {
        by: 'j.smith',
        from: 'ceo@alpha.example.org',
        to: 'ceo@alpha-council.example',
        operatorReason: 'the council moved to alpha-council.example on 1 May; confirmed by phone',
      },
    ]);
    expect(h.sink.received.filter((m) => m.envelopeTo.includes('ceo@alpha-council.example'))).toHaveLength(1);
    const lines = await eventually('three delivery.readdressed lines', async () => {
      const found = await readdressedLines(h!);
      return found.length === 3 ? found : undefined;
    });
    expect(lines.map((l) => [l.recipient, l.by, l.from, l.email, l.domainKnown, l.reason])).toEqual([
      ['head', 'j.smith', 'leader@alpha.example.org', 'new.leader@alpha.example.org', true, undefined],
      ['mo-1', 'j.smith', 'mo@alpha-legal.example.org', 'new.mo@alpha-legal.example.org', true, undefined],
      [
        'ceo',
        'j.smith',
        'ceo@alpha.example.org',
        'ceo@alpha-council.example',
        false,
        'the council moved to alpha-council.example on 1 May; confirmed by phone',
      ],
    ]);
    const rows = await reportCommand({ campaign: CAMPAIGN, format: 'json' }, h.config, quietPrint);
    expect(rows.find((r) => r.recipient === 'ceo')!.readdressed).toMatch(
      /^ceo@alpha\.example\.org -> ceo@alpha-council\.example by j\.smith at \S+ \(reason: the council moved to alpha-council\.example on 1 May; confirmed by phone\)$/,
    );
  });

  it('in the console: answers 400 naming `reason` when it is needed and missing, and takes {"email","reason"}', async () => {
    h = await startUiHarness('readdress-reason-ui');
    const data = await writeDataSet(join(h.dir, 'data'), [{ id: 'alpha' }]);
    await h.runApproved(data, 1);
    await h.producer.ledger(CAMPAIGN).bounce('alpha', 'ceo', { diagnostic: '550 5.1.1 unknown' });
    const operator = await h.signedIn(OPERATOR);
    const path = api('/deliveries/ceo/readdress');

    const missing = await operator.post(path, { json: { email: 'ceo@alpha-c0uncil.example' } });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: string; message: string };
    expect(body).toMatchObject({ error: 'BadRequest', message: expect.stringMatching(/^reason: .*none of ALPHA Council's domains/) });
    expect(await h.producer.ledger(CAMPAIGN).get('alpha', 'ceo')).toMatchObject({ status: 'bounced' });
    expect((await operator.post(path, { json: { email: 'ceo@alpha-c0uncil.example', reason: 'line one\nline two' } })).status).toBe(400);

    const done = await operator.post(path, { json: { email: 'ceo@alpha-c0uncil.example', reason: 'their new domain, per the clerk' } });
    expect(done.status).toBe(200);
    expect(await h.producer.ledger(CAMPAIGN).get('alpha', 'ceo')).toMatchObject({
      status: expect.stringMatching(/queued|sending|sent/),
      readdresses: [{ by: OPERATOR.name, to: 'ceo@alpha-c0uncil.example', operatorReason: 'their new domain, per the clerk' }],
    });
  });
});
