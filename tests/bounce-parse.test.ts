/**
 * The bounce parser on what other mail systems send back (fixtures written
 * from their documented formats; see tests/fixtures/bounces/README.md).
 */
import { describe, expect, it } from 'vitest';
import { parseBounce } from '../src/bounce/parse-bounce.js';
import { Verp } from '../src/bounce/verp.js';
import { bounceFixture, testVerp } from './support/bounces.js';

describe('reading a bounce', () => {
  it('reads a Microsoft 365 NDR: the failed address, 5.1.10, the diagnostic and the original Message-ID', async () => {
    const b = await parseBounce(await bounceFixture('office365-ndr.eml'));
    expect(b.kind).toBe('failed');
    expect(b.recipients).toEqual([
      {
        email: 'monitoring.officer@alpha.example.org',
        action: 'failed',
        status: '5.1.10',
        diagnostic: 'smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      },
    ]);
    expect(b.originalMessageId).toBe('<2023-24.alpha.mo-1@ombudsman.example>');
    expect(b.sentTo).toEqual([testVerp.address({ campaign: '2023-24', authorityId: 'alpha', recipient: 'mo-1' })]);
  });

  it("reads Gmail's DSN with its diagnostic folded over several lines", async () => {
    const b = await parseBounce(await bounceFixture('gmail-dsn.eml'));
    expect(b.kind).toBe('failed');
    expect(b.recipients[0]).toMatchObject({ email: 'leader@gamma.example.org', action: 'failed', status: '5.1.1' });
    expect(b.recipients[0]!.diagnostic).toMatch(
      /^smtp; 550-5\.1\.1 The email account that you tried to reach does not exist\. .* - gsmtp$/,
    );
    expect(b.originalMessageId).toBe('<2023-24.gamma.head@ombudsman.example>');
  });

  it("reads Exim's plain-text bounce: the address, the server's reply, and the Message-ID of the quoted letter", async () => {
    const b = await parseBounce(await bounceFixture('exim-plain-text.eml'));
    expect(b.kind).toBe('failed');
    expect(b.recipients).toEqual([
      {
        email: 'chief.exec@beta.example.org',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <chief.exec@beta.example.org>: Recipient address rejected: User unknown in local recipient table',
      },
    ]);
    expect(b.originalMessageId).toBe('<2023-24.beta.ceo@ombudsman.example>');
    expect(b.sentTo).toEqual(['bounces@ombudsman.example']);
  });

  it("reads Postfix's delay warning as a delay, not a failure", async () => {
    const b = await parseBounce(await bounceFixture('postfix-delayed.eml'));
    expect(b.kind).toBe('delayed');
    expect(b.recipients[0]).toMatchObject({ email: 'ceo@delta.example.org', action: 'delayed', status: '4.4.1' });
  });

  it('reads an out-of-office (Auto-Submitted) and an X-Autoreply answer as auto-replies, although one says "could not be delivered"', async () => {
    expect((await parseBounce(await bounceFixture('out-of-office.eml'))).kind).toBe('auto-reply');
    expect((await parseBounce(await bounceFixture('x-autoreply.eml'))).kind).toBe('auto-reply');
  });

  it('reads a person writing to the bounce address as unrecognised', async () => {
    expect((await parseBounce(await bounceFixture('human-reply.eml'))).kind).toBe('unrecognised');
  });
});

describe('the VERP address', () => {
  const ref = { campaign: '2023-24', authorityId: 'barnsley-metropolitan-borough-council', recipient: 'mo-2' };

  it('reads back the delivery it was made for, also when an MTA upper-cases it', () => {
    const address = testVerp.address(ref);
    expect(address).toMatch(/^bounces\+2023-24\.barnsley-metropolitan-borough-council\.mo-2\.[0-9a-f]{16}@ombudsman\.example$/);
    expect(testVerp.read(address)).toEqual({ kind: 'signed', ref });
    expect(testVerp.read(`<${address.toUpperCase()}>`)).toEqual({ kind: 'signed', ref });
    const testRun = { ...ref, campaign: '2023-24~test' };
    expect(testVerp.read(testVerp.address(testRun))).toEqual({ kind: 'signed', ref: testRun });
  });

  it('calls a token with another recipient, another secret or no mac forged, and other addresses none', () => {
    const address = testVerp.address(ref);
    expect(testVerp.read(address.replace('.mo-2.', '.ceo.'))).toMatchObject({ kind: 'forged' });
    expect(testVerp.read(new Verp('bounces@ombudsman.example', 'another-secret-of-at-least-32-chars!!').address(ref))).toMatchObject({
      kind: 'forged',
    });
    expect(testVerp.read('bounces+2023-24.alpha.ceo@ombudsman.example')).toMatchObject({ kind: 'forged' });
    expect(testVerp.read('bounces@ombudsman.example')).toEqual({ kind: 'none' });
    expect(testVerp.read(address.replace('@ombudsman.example', '@elsewhere.example'))).toEqual({ kind: 'none' });
  });
});
