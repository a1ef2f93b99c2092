/**
 * The bounce parser on what other mail systems send back (fixtures written
 * from their documented formats; see tests/fixtures/bounces/README.md).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBounce } from '../src/bounce/parse-bounce.js';
import { Verp } from '../src/bounce/verp.js';
import { BOUNCE_SECRET, bounceFixture, testVerp, verpFor } from './support/bounces.js';

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
    expect(b.sentTo).toEqual([
      verpFor({ campaign: '2023-24', authorityId: 'alpha', recipient: 'mo-1' }, 'monitoring.officer@alpha.example.org'),
    ]);
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
  const issued = { email: 'mo@barnsley.example.org', messageId: '<2023-24.barnsley-metropolitan-borough-council.mo-2@ombudsman.example>' };
  const token = (address: string) => {
    const reading = testVerp.read(address);
    if (reading.kind !== 'token') throw new Error(`${address} read as ${reading.kind}`);
    return reading;
  };

  it('reads back the delivery it was made for, also when an MTA upper-cases it, and is valid for the address it was issued for', () => {
    const address = testVerp.address(ref, issued);
    expect(address).toMatch(/^bounces\+2023-24\.barnsley-metropolitan-borough-council\.mo-2\.[0-9a-f]{16}@ombudsman\.example$/);
    expect(testVerp.read(address)).toMatchObject({ kind: 'token', ref });
    expect(testVerp.read(`<${address.toUpperCase()}>`)).toMatchObject({ kind: 'token', ref });
    expect(testVerp.check(token(`<${address.toUpperCase()}>`), issued)).toBe('valid');
    expect(testVerp.check(token(address), { ...issued, email: issued.email.toUpperCase() })).toBe('valid');
    const testRun = { ...ref, campaign: '2023-24~test' };
    expect(testVerp.check(token(testVerp.address(testRun, issued)), issued)).toBe('valid');
  });

  it('calls a token with another recipient, another secret, another address or Message-ID forged, one with no mac malformed, and other addresses none', () => {
    const address = testVerp.address(ref, issued);
    expect(testVerp.check(token(address.replace('.mo-2.', '.ceo.')), issued)).toBe('forged');
    const otherSecret = new Verp('bounces@ombudsman.example', 'another-secret-of-at-least-32-chars!!').address(ref, issued);
    expect(testVerp.check(token(otherSecret), issued)).toBe('forged');
    expect(testVerp.check(token(address), { ...issued, email: 'someone.else@barnsley.example.org' })).toBe('forged');
    expect(testVerp.check(token(address), { ...issued, messageId: '<other@ombudsman.example>' })).toBe('forged');
    expect(testVerp.read('bounces+2023-24.alpha.ceo@ombudsman.example')).toMatchObject({ kind: 'malformed' });
    expect(testVerp.read('bounces+2023-24.alpha.ceo.zzzzzzzzzzzzzzzz@ombudsman.example')).toMatchObject({ kind: 'malformed' });
    expect(testVerp.read('bounces@ombudsman.example')).toEqual({ kind: 'none' });
    expect(testVerp.read(address.replace('@ombudsman.example', '@elsewhere.example'))).toEqual({ kind: 'none' });
  });

  it('calls a token issued before a readdress stale for the readdressed delivery, and gives the new letter a token of its own', () => {
    const before = testVerp.address(ref, issued);
    const readdressed = {
      email: 'new.mo@barnsley.example.org',
      messageId: '<2023-24.barnsley-metropolitan-borough-council.mo-2.r1@ombudsman.example>',
      readdresses: [{ from: issued.email, messageId: issued.messageId }],
    };
    const after = testVerp.address(ref, readdressed);
    expect(after).not.toBe(before);
    expect(testVerp.check(token(before), readdressed)).toBe('stale');
    expect(testVerp.check(token(after), readdressed)).toBe('valid');
    // A second readdress back to the first address: its own Message-ID, so the first letter's token is still stale.
    const back = {
      email: issued.email,
      messageId: '<2023-24.barnsley-metropolitan-borough-council.mo-2.r2@ombudsman.example>',
      readdresses: [...readdressed.readdresses, { from: readdressed.email, messageId: readdressed.messageId }],
    };
    expect(testVerp.check(token(before), back)).toBe('stale');
    expect(testVerp.check(token(after), back)).toBe('stale');
  });

  it('accepts a token signed over the ids alone (letters sent before the address was bound) only while the delivery was never readdressed', () => {
    const mac = createHmac('sha256', BOUNCE_SECRET)
      .update(`${ref.campaign}.${ref.authorityId}.${ref.recipient}`)
      .digest('hex')
      .slice(0, 16);
    const legacy = token(`bounces+${ref.campaign}.${ref.authorityId}.${ref.recipient}.${mac}@ombudsman.example`);
    expect(testVerp.check(legacy, issued)).toBe('valid');
    expect(
      testVerp.check(legacy, {
        email: 'new@barnsley.example.org',
        messageId: '<x.r1@ombudsman.example>',
        readdresses: [{ from: issued.email, messageId: issued.messageId }],
      }),
    ).toBe('stale');
  });
});
