/**
 * Transient or permanent: what each way a relay can fail becomes, from the
 * real errors nodemailer raises against a real (faulty) SMTP server.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../src/demo/private-redis.js';
import { SmtpSink, type SmtpSinkOptions } from '../src/demo/smtp-sink.js';
import { classifyRejection, classifySendError } from '../src/send/classify.js';
import type { OutgoingMessage, SendResult } from '../src/send/mail-provider.js';
import { createSmtpProvider, type SmtpTransport, smtpProviderOver } from '../src/send/smtp-provider.js';

const message: OutgoingMessage = {
  from: { name: 'The Ombudsman', address: 'reviews@ombudsman.example.org' },
  to: { name: 'Ms Alex Chief', address: 'ceo@alpha.example.org' },
  subject: 'Annual Review letter 2024',
  html: '<p>Dear Ms Chief</p>',
  text: 'Dear Ms Chief',
  messageId: '<2023-24.alpha.ceo@ombudsman.example.org>',
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sendThrough(faults: SmtpSinkOptions): Promise<{ outcome: SendResult; sink: SmtpSink }> {
  const sink = new SmtpSink(faults);
  const url = await sink.start();
  const provider = createSmtpProvider({ url, maxConnections: 1 });
  cleanups.push(
    () => sink.stop(),
    () => provider.close(),
  );
  return { outcome: await provider.send(message), sink };
}

describe('classifying a failed send', () => {
  const refusals: Array<[string, SmtpSinkOptions, 'transient' | 'permanent', number | undefined]> = [
    ['421 to the greeting', { onConnect: () => ({ code: 421, message: '4.3.2 not now' }) }, 'transient', 421],
    ['451 to MAIL FROM', { onMailFrom: () => ({ code: 451, message: '4.3.0 local problem' }) }, 'transient', 451],
    ['452 to RCPT TO', { onRecipient: () => ({ code: 452, message: '4.2.2 mailbox full' }) }, 'transient', 452],
    ['451 at the end of DATA', { onMessage: () => ({ code: 451, message: '4.3.0 try later' }) }, 'transient', 451],
    ['550 to RCPT TO (no such user)', { onRecipient: () => ({ code: 550, message: '5.1.1 no such user' }) }, 'permanent', 550],
    ['553 to MAIL FROM (sender refused)', { onMailFrom: () => ({ code: 553, message: '5.7.1 sender not allowed' }) }, 'permanent', 553],
    ['554 at the end of DATA (message refused)', { onMessage: () => ({ code: 554, message: '5.6.0 bad message' }) }, 'permanent', 554],
  ];
  for (const [what, faults, kind, code] of refusals) {
    it(`treats ${what} as ${kind}`, async () => {
      const { outcome, sink } = await sendThrough(faults);
      expect(outcome).toMatchObject({ outcome: kind, responseCode: code });
      expect(sink.received).toHaveLength(0);
    });
  }

  it('treats a connection cut mid-DATA as transient, and the relay keeps nothing', async () => {
    const { outcome, sink } = await sendThrough({ onDataStart: () => 'drop' });
    expect(outcome).toMatchObject({ outcome: 'transient' });
    expect(sink.received).toHaveLength(0);
  });

  it('treats a refused connection as transient', async () => {
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${await freePort()}` });
    cleanups.push(() => provider.close());
    expect(await provider.send(message)).toMatchObject({ outcome: 'transient' });
  });

  it('treats a relay that never answers (a timeout) as transient', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () => new Promise((resolve) => silent.close(resolve)),
      () => {
        for (const s of sockets) s.destroy();
      },
    );
    const { port } = silent.address() as { port: number };
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    cleanups.push(() => provider.close());
    const outcome = await provider.send(message);
    expect(outcome).toMatchObject({ outcome: 'transient' });
  });

  it('treats an address nodemailer cannot use at all as permanent', async () => {
    const sink = new SmtpSink();
    const provider = createSmtpProvider({ url: await sink.start() });
    cleanups.push(
      () => sink.stop(),
      () => provider.close(),
    );
    const bad = await provider.send({ ...message, to: { name: '', address: '' } });
    expect(bad).toMatchObject({ outcome: 'permanent' });
  });

  it('reads the codes nodemailer puts on its errors', () => {
    expect(classifySendError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).kind).toBe('transient');
    expect(classifySendError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })).kind).toBe('transient');
    expect(classifySendError(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 452 })).kind).toBe('transient');
    expect(classifySendError(Object.assign(new Error('x'), { code: 'EENVELOPE' })).kind).toBe('permanent');
    expect(classifySendError(Object.assign(new Error('x'), { code: 'EMESSAGE' })).kind).toBe('permanent');
    // Unknown faults are retried: a retry costs a delay, a wrong "permanent" costs a letter.
    expect(classifySendError(new Error('something odd')).kind).toBe('transient');
  });
});

describe('a partly accepted message', () => {
  /** nodemailer resolves, not rejects, when the relay refuses only some recipients. */
  function stubTransport(info: { accepted: string[]; rejected: string[]; rejectedErrors?: Error[] }) {
    const transport = {
      sendMail: async () => ({ ...info, response: '250 2.0.0 queued', envelope: { from: '', to: [] }, messageId: message.messageId }),
    } as unknown as SmtpTransport;
    return smtpProviderOver(transport);
  }

  it('records a recipient the relay refused in info.rejected as failed, not sent', async () => {
    const refused = Object.assign(new Error('Recipient command failed: 550 5.1.1 no such user'), {
      responseCode: 550,
      response: '550 5.1.1 no such user',
    });
    const outcome = await stubTransport({ accepted: [], rejected: ['ceo@alpha.example.org'], rejectedErrors: [refused] }).send(message);
    expect(outcome).toEqual({
      outcome: 'permanent',
      responseCode: 550,
      response: '550 5.1.1 no such user',
      to: 'ceo@alpha.example.org',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('keeps a recipient refused for now (452) to retry', async () => {
    const later = Object.assign(new Error('452'), { responseCode: 452, response: '452 4.2.2 mailbox full' });
    const outcome = await stubTransport({ accepted: [], rejected: ['ceo@alpha.example.org'], rejectedErrors: [later] }).send(message);
    expect(outcome).toMatchObject({ outcome: 'transient', responseCode: 452 });
  });

  it('counts a recipient listed as rejected without a reply as an address problem', () => {
    expect(classifyRejection(new Error('rejected: ceo@alpha.example.org')).kind).toBe('permanent');
  });
});

describe('the SMTP server the suite sends to', () => {
  it('carries on when a client resets its connection mid-session, as a worker killed with SIGKILL does', async () => {
    const sink = new SmtpSink();
    const url = new URL(await sink.start());
    cleanups.push(() => sink.stop());
    const { connect } = await import('node:net');
    const client = connect(Number(url.port), '127.0.0.1');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    client.write('EHLO dying.example.org\r\nMAIL FROM:<a@example.org>\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.resetAndDestroy();
    await expect.poll(() => sink.clientErrors.length).toBeGreaterThan(0);

    const provider = createSmtpProvider({ url: url.toString() });
    cleanups.push(() => provider.close());
    expect(await provider.send(message)).toMatchObject({ outcome: 'sent' });
  });
});
