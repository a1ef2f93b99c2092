/** Bounce fixtures with their `{{verp CAMPAIGN AUTHORITY RECIPIENT}}` placeholders signed by the test's Verp. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Verp } from '../../src/bounce/verp.js';

export const BOUNCE_SECRET = 'test-bounce-secret-0123456789abcdef0123';
export const testVerp = new Verp('bounces@ombudsman.example', BOUNCE_SECRET);

export async function bounceFixture(name: string, verp: Verp = testVerp): Promise<Buffer> {
  const text = await readFile(join(import.meta.dirname, '..', 'fixtures', 'bounces', name), 'utf8');
  const signed = text.replace(/\{\{verp (\S+) (\S+) (\S+)\}\}/g, (_, campaign: string, authorityId: string, recipient: string) =>
    verp.address({ campaign, authorityId, recipient }),
  );
  return Buffer.from(signed.replace(/\r?\n/g, '\r\n'));
}
