/**
 * A registration is evidence for an operator, not a fact: anyone can
 * register for any authority. The console's Registrations page and
 * `registrations approve|reject` show what speaks for and against one (its
 * domain against the authority's known domains, the officers on file, the
 * address's history), refuse to approve an address at none of the
 * authority's domains without a typed reason, record that reason, keep a
 * rejection when the same person registers again, and page the list instead
 * of sending every registration at once. Real Redis, the real console.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { decideRegistrationCommand, listRegistrationsCommand } from '../src/cli/commands/registrations.js';
import { type NewRegistration, RegistrationStore } from '../src/storage/registration-store.js';
import { REGISTRATIONS_PAGE_SIZE } from '../src/ui/registrations-page.js';
import { eventually, OPERATOR, startUiHarness, type UiHarness } from './support/ui-harness.js';

const BARNSLEY: Omit<NewRegistration, 'name' | 'email'> = {
  authorityId: 'barnsley',
  authorityName: 'Barnsley Metropolitan Borough Council',
  ceDomain: 'barnsley.gov.example',
  headDomain: 'leader.example',
  officersOnFile: [{ name: 'Pat Legal', email: 'pat@barnsley-legal.example' }],
  confirmedFrom: '203.0.113.9',
};

let h: UiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const rowOf = (html: string, id: string) => {
  const start = html.indexOf(`<tr data-id="${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
};
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, ' ');

async function deliveryLog(h: UiHarness, event: string): Promise<Array<Record<string, unknown>>> {
  return eventually(`a ${event} line`, async () => {
    const lines = (await readFile(h.config.DELIVERY_LOG, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.event === event);
    return lines.length > 0 ? lines : undefined;
  });
}

describe('deciding a registration on its evidence', () => {
  it('shows whose domain an address is at, the officers on file, and needs a typed reason to approve an address at none of them', async () => {
    h = await startUiHarness('reg-evidence');
    const store = new RegistrationStore(h.producer.redis, h.prefix);
    const stranger = await store.confirm({ ...BARNSLEY, name: 'Sam Stranger', email: 'sam@mail.example' });
    const legal = await store.confirm({ ...BARNSLEY, name: 'Lee Legal', email: 'lee@barnsley-legal.example' });
    const operator = await h.signedIn(OPERATOR);
    const page = await (await operator.get('/registrations')).text();

    expect(text(rowOf(page, legal.id))).toContain('✓ barnsley-legal.example (monitoring officer Pat Legal)');
    const strangerRow = text(rowOf(page, stranger.id));
    expect(strangerRow).toContain(
      "✗ mail.example not one of the authority's: barnsley.gov.example (chief executive); leader.example (political head); barnsley-legal.example (monitoring officer Pat Legal)",
    );
    expect(strangerRow).toContain('Pat Legal pat@barnsley-legal.example (in the data)');
    expect(rowOf(page, stranger.id)).toContain('name="reason" type="text" required');
    expect(rowOf(page, legal.id)).not.toContain('required');

    // One click is not enough: without a reason nothing changes, and the page says why.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const refused = await operator.request('POST', `/registrations/${stranger.id}/approve`, { form: { _csrf: csrf, page: '1' } });
    expect(refused.status).toBe(400);
    expect(text(await refused.text())).toContain(
      `registration ${stranger.id}: sam@mail.example is at mail.example, none of Barnsley Metropolitan Borough Council's domains`,
    );
    expect((await store.get(stranger.id))?.status).toBe('confirmed');

    const approved = await operator.request('POST', `/registrations/${stranger.id}/approve`, {
      form: { _csrf: csrf, page: '1', reason: 'phoned the council: Sam is their interim monitoring officer' },
    });
    expect(approved.status).toBe(303);
    expect(await store.get(stranger.id)).toMatchObject({
      status: 'approved',
      decidedBy: OPERATOR.name,
      decisionReason: 'phoned the council: Sam is their interim monitoring officer',
    });
    const [line] = await deliveryLog(h, 'registration.decided');
    expect(line).toMatchObject({
      registration: stranger.id,
      decision: 'approved',
      by: OPERATOR.name,
      domain: 'mail.example',
      knownDomain: null,
      reason: 'phoned the council: Sam is their interim monitoring officer',
    });
    const after = await (await operator.get('/registrations')).text();
    expect(text(rowOf(after, stranger.id))).toContain('approved by olivia');
    expect(text(rowOf(after, stranger.id))).toContain('phoned the council');
    // An approved registration is on file for its authority, but vouches for no domain.
    expect(text(rowOf(after, legal.id))).toContain('Sam Stranger sam@mail.example (approved registration)');
  });

  it('on the command line: approve needs --reason for an address at none of the authority’s domains, and list shows it', async () => {
    h = await startUiHarness('reg-evidence-cli');
    const store = new RegistrationStore(h.producer.redis, h.prefix);
    const stranger = await store.confirm({ ...BARNSLEY, name: 'Sam Stranger', email: 'sam@mail.example' });
    const matching = await store.confirm({ ...BARNSLEY, name: 'Mo Officer', email: 'mo@barnsley.gov.example' });
    const print = { out: () => {}, err: () => {} };
    await expect(decideRegistrationCommand('approved', { id: stranger.id, by: 'Olivia' }, h.config, print)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^--reason: .*none of Barnsley Metropolitan Borough Council's domains/),
    });
    expect((await store.get(stranger.id))?.status).toBe('confirmed');
    await decideRegistrationCommand('approved', { id: matching.id, by: 'Olivia' }, h.config, print);
    await decideRegistrationCommand(
      'approved',
      { id: stranger.id, by: 'Olivia', reason: 'checked with the chief executive' },
      h.config,
      print,
    );
    const out: string[] = [];
    await listRegistrationsCommand({ format: 'csv' }, h.config, { out: (l) => void out.push(l), err: () => {} });
    const rows = parse(out.join('\n'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.email, r.status, r.decisionReason])).toEqual([
      ['sam@mail.example', 'approved', 'checked with the chief executive'],
      ['mo@barnsley.gov.example', 'approved', ''],
    ]);
  });

  it('keeps a rejection when the same person registers again: the operator sees it, and why', async () => {
    h = await startUiHarness('reg-rejected-again');
    const store = new RegistrationStore(h.producer.redis, h.prefix);
    const first = await store.confirm({ ...BARNSLEY, name: 'Sam Stranger', email: 'sam@mail.example' });
    await decideRegistrationCommand('rejected', { id: first.id, by: 'Olivia', reason: 'the council has never heard of them' }, h.config, {
      out: () => {},
      err: () => {},
    });
    // They register again, from another address, and confirm: waiting again, but not as new.
    const again = await store.confirm({ ...BARNSLEY, name: 'Sam Stranger', email: 'SAM@mail.example', confirmedFrom: '198.51.100.7' });
    expect(again.id).toBe(first.id);
    expect(again.status).toBe('confirmed');
    expect(again.events.map((e) => e.what)).toEqual(['confirmed', 'rejected', 'confirmed']);

    const operator = await h.signedIn(OPERATOR);
    const row = text(rowOf(await (await operator.get('/registrations')).text(), first.id));
    expect(row).toContain('Rejected before');
    expect(row).toMatch(/rejected by Olivia: the council has never heard of them/);
    expect(row).toContain('confirmed from 203.0.113.9');
    const out: string[] = [];
    await listRegistrationsCommand({ format: 'json' }, h.config, { out: (l) => void out.push(l), err: () => {} });
    expect(JSON.parse(out.join('\n'))).toMatchObject([{ id: first.id, status: 'confirmed', rejectedBefore: 'yes' }]);
  });

  it('pages the list, newest first, instead of sending every registration at once', async () => {
    h = await startUiHarness('reg-pages');
    const store = new RegistrationStore(h.producer.redis, h.prefix);
    const total = REGISTRATIONS_PAGE_SIZE * 2 + 10;
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      ids.push(
        (
          await store.confirm(
            { ...BARNSLEY, name: `Officer ${String.fromCharCode(65 + (i % 26))}`, email: `o${i}@barnsley.gov.example` },
            1_000 + i,
          )
        ).id,
      );
    }
    const operator = await h.signedIn(OPERATOR);
    const rowsOf = (html: string) => [...html.matchAll(/<tr data-id="(r[0-9a-f]{12})">/g)].map((m) => m[1]);
    // Handlebars writes the '=' of a link as &#x3D;.
    const first = (await (await operator.get('/registrations')).text()).replaceAll('&#x3D;', '=');
    expect(rowsOf(first)).toEqual(ids.slice(-REGISTRATIONS_PAGE_SIZE).reverse());
    expect(text(first)).toContain(`${total} registrations, newest first · page 1 of 3`);
    expect(first).toContain('<a href="/registrations?page=2" rel="next">Older</a>');
    const last = (await (await operator.get('/registrations?page=3')).text()).replaceAll('&#x3D;', '=');
    expect(rowsOf(last)).toEqual(ids.slice(0, 10).reverse());
    expect(last).toContain('<a href="/registrations?page=2" rel="prev">Newer</a>');
    // Past the end is the last page.
    expect(rowsOf(await (await operator.get('/registrations?page=99')).text())).toEqual(ids.slice(0, 10).reverse());
  });
});
