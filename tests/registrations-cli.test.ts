/**
 * `registrations list|approve|reject|export` against the real Redis, and
 * the export's merge rules on a real data folder.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideRegistrationCommand, exportRegistrationsCommand, listRegistrationsCommand } from '../src/cli/commands/registrations.js';
import type { Config } from '../src/config.js';
import { RegistrationStore } from '../src/storage/registration-store.js';
import { writeDataSet } from './support/data-set.js';
import { cleanPrefix, REDIS_URL, testConfig, uniquePrefix } from './support/redis.js';

let prefix: string;
let config: Config;
let redis: Redis;
let store: RegistrationStore;
let dir: string;
let out: string[];
const print = { out: (line: string) => void out.push(line), err: (line: string) => void out.push(`err: ${line}`) };
const officer = (authorityId: string, email: string) => ({
  authorityId,
  authorityName: authorityId,
  name: `Officer ${email}`,
  email,
  ceDomain: `${authorityId}.example.org`,
  confirmedFrom: '203.0.113.9',
});

beforeEach(async () => {
  prefix = uniquePrefix('reg-cli');
  config = testConfig(prefix);
  redis = new Redis(REDIS_URL);
  store = new RegistrationStore(redis, prefix);
  dir = await mkdtemp(join(tmpdir(), 'arm-reg-cli-'));
  out = [];
});

afterEach(async () => {
  redis.disconnect();
  await cleanPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('registrations on the command line', () => {
  it('lists registrations with whether the domain is the chief executive’s, and records who approved and rejected them', async () => {
    const a = await store.confirm(officer('barnsley', 'mo@barnsley.example.org'));
    const b = await store.confirm(officer('york', 'someone@gmail.example'));
    await decideRegistrationCommand('approved', { id: a.id, by: 'Olivia' }, config, print);
    await decideRegistrationCommand('rejected', { id: b.id, by: 'Olivia' }, config, print);
    out = [];
    await listRegistrationsCommand({ format: 'json' }, config, print);
    const rows = JSON.parse(out.join('\n')) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.id, r.status, r.domainMatchesChiefExecutive, r.decidedBy, r.confirmedFrom])).toEqual([
      [a.id, 'approved', 'yes', 'Olivia', '203.0.113.9'],
      [b.id, 'rejected', 'no', 'Olivia', '203.0.113.9'],
    ]);
    out = [];
    await listRegistrationsCommand({ format: 'csv' }, config, print);
    expect(out.join('\n').split('\n')[0]).toBe(
      'id,status,authorityId,authorityName,name,email,domainMatchesChiefExecutive,confirmedAt,confirmedFrom,decidedBy,decidedAt,withdrawnAt,decisionReason,rejectedBefore',
    );
  });

  it('refuses to decide an unknown or withdrawn registration, or without a name', async () => {
    await expect(decideRegistrationCommand('approved', { id: 'r000000000000', by: 'Olivia' }, config, print)).rejects.toThrow(
      'no registration r000000000000',
    );
    const r = await store.confirm(officer('barnsley', 'mo@barnsley.example.org'));
    await expect(decideRegistrationCommand('approved', { id: r.id, by: ' ' }, config, print)).rejects.toThrow('--by');
    await store.withdrawAddress('MO@barnsley.example.org');
    await expect(decideRegistrationCommand('approved', { id: r.id, by: 'Olivia' }, config, print)).rejects.toThrow('was withdrawn');
  });

  it('exports approved registrations once, turns a "no" row to yes, marks withdrawn ones no, and skips unknown authorities', async () => {
    const data = await writeDataSet(join(dir, 'data'), [{ id: 'barnsley' }, { id: 'york' }]);
    await writeFile(
      join(data, 'monitoring-officers.csv'),
      'authority_id,name,email,registered\nyork,Robin,robin@york.example.org,no\nbarnsley,Kept,kept@barnsley.example.org,yes\n',
    );
    const added = await store.confirm(officer('barnsley', 'new@barnsley.example.org'));
    const again = await store.confirm({ ...officer('york', 'ROBIN@york.example.org'), name: 'Robin' });
    const unknown = await store.confirm(officer('atlantis', 'x@atlantis.example.org'));
    const waiting = await store.confirm(officer('york', 'waiting@york.example.org'));
    for (const r of [added, again, unknown]) await store.decide(r.id, 'approved', 'Olivia');

    await exportRegistrationsCommand({ data }, config, print);
    await exportRegistrationsCommand({ data }, config, print);
    expect(await readFile(join(data, 'monitoring-officers.csv'), 'utf8')).toBe(
      'authority_id,name,email,registered\nyork,Robin,robin@york.example.org,yes\nbarnsley,Kept,kept@barnsley.example.org,yes\nbarnsley,Officer new@barnsley.example.org,new@barnsley.example.org,yes\n',
    );
    expect(out).toContain(`err: ${unknown.id}: not added: authority atlantis is not in ${data}/authorities.csv`);
    expect(out.some((line) => line.includes(waiting.email))).toBe(false);

    await store.withdrawAddress('new@barnsley.example.org');
    await exportRegistrationsCommand({ data }, config, print);
    expect(await readFile(join(data, 'monitoring-officers.csv'), 'utf8')).toContain(
      'barnsley,Officer new@barnsley.example.org,new@barnsley.example.org,no\n',
    );
  });

  it('refuses to export into a monitoring-officers.csv it cannot read, naming the file and line', async () => {
    const data = await writeDataSet(join(dir, 'data'), [{ id: 'barnsley' }]);
    await writeFile(join(data, 'monitoring-officers.csv'), 'authority_id,name,email,registered\n\nbarnsley,Too,many,fields,here\n');
    await expect(exportRegistrationsCommand({ data }, config, print)).rejects.toThrow('monitoring-officers.csv:3: -: has 5 fields, not 4');
  });
});
