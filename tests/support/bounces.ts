/**
 * For the bounce tests: fixtures with their `{{verp CAMPAIGN AUTHORITY RECIPIENT EMAIL}}` placeholders signed by
 * the test's Verp, a log to read back, and an SMTP client that misbehaves on purpose.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type DeliveryRef, Verp } from '../../src/bounce/verp.js';
import { createLogger } from '../../src/logger.js';

export const BOUNCE_SECRET = 'test-bounce-secret-0123456789abcdef0123';
export const testVerp = new Verp('bounces@ombudsman.example', BOUNCE_SECRET);

/** The Message-ID the tests' ledgers give a delivery (letterMessageId's form, From domain ombudsman.example). */
export function fixtureMessageId(ref: DeliveryRef): string {
  return `<${ref.campaign}.${ref.authorityId}.${ref.recipient}@ombudsman.example>`;
}

/** The VERP address a letter to `email` left with, for a delivery whose ledger holds `fixtureMessageId` (or `messageId`). */
export function verpFor(ref: DeliveryRef, email: string, messageId = fixtureMessageId(ref), verp: Verp = testVerp): string {
  return verp.address(ref, { email, messageId });
}

export async function bounceFixture(name: string, verp: Verp = testVerp): Promise<Buffer> {
  const text = await readFile(join(import.meta.dirname, '..', 'fixtures', 'bounces', name), 'utf8');
  const signed = text.replace(
    /\{\{verp (\S+) (\S+) (\S+) (\S+)\}\}/g,
    (_, campaign: string, authorityId: string, recipient: string, email: string) =>
      verpFor({ campaign, authorityId, recipient }, email, undefined, verp),
  );
  return Buffer.from(signed.replace(/\r?\n/g, '\r\n'));
}

/** A logger whose lines a test can read back by event. */
export function capturedLog(): { log: Logger; events(name: string): Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, events: (name) => lines.filter((l) => l.event === name) };
}

/**
 * One SMTP client connection spoken line by line, for what nodemailer will not do: hold a connection
 * open, stay silent, talk slowly, send more than the server allows. Replies are read whole (multi-line too).
 */
export class SmtpTalk {
  /** Settles when the server closes the connection. */
  readonly closed: Promise<void>;
  private buffer = '';
  private readonly replies: string[] = [];
  private readonly waiting: Array<(reply: string) => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      for (let end = this.buffer.search(/^\d{3} .*\r\n/m); end >= 0; end = this.buffer.search(/^\d{3} .*\r\n/m)) {
        const stop = this.buffer.indexOf('\r\n', end) + 2;
        const reply = this.buffer.slice(0, stop).trimEnd();
        this.buffer = this.buffer.slice(stop);
        const waiter = this.waiting.shift();
        if (waiter) waiter(reply);
        else this.replies.push(reply);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects (from `localAddress`, another loopback address to look like another client) and reads the greeting. */
  static async open(port: number, localAddress = '127.0.0.1'): Promise<{ talk: SmtpTalk; greeting: string }> {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const talk = new SmtpTalk(socket);
    return { talk, greeting: await talk.reply() };
  }

  /** The next whole reply; '(closed)' if the server hangs up first. */
  reply(): Promise<string> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return Promise.race([new Promise<string>((resolve) => this.waiting.push(resolve)), this.closed.then(() => '(closed)')]);
  }

  /** Sends one command line and reads its reply. */
  command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** MAIL FROM:<>, RCPT TO, DATA, then `bytes` bytes of 998-character lines (written as the socket drains), then the end; the reply. */
  async sendData(to: string, bytes: number): Promise<string> {
    for (const line of ['MAIL FROM:<>', `RCPT TO:<${to}>`]) {
      const reply = await this.command(line);
      if (!reply.startsWith('250')) return reply;
    }
    const go = await this.command('DATA');
    if (!go.startsWith('354')) return go;
    const block = Buffer.from(`${'x'.repeat(998)}\r\n`.repeat(1024));
    this.socket.write('Subject: big\r\n\r\n');
    for (let sent = 0; sent < bytes; sent += block.length) {
      if (!this.socket.write(block)) await new Promise((resolve) => this.socket.once('drain', resolve));
    }
    return this.command('.');
  }

  /** Sends a whole message (CRLF lines, dot-stuffed) in one transaction; the reply to its end. */
  async sendMessage(to: string, raw: Buffer): Promise<string> {
    for (const line of ['MAIL FROM:<>', `RCPT TO:<${to}>`, 'DATA']) {
      const reply = await this.command(line);
      if (!/^(250|354)/.test(reply)) return reply;
    }
    const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
    return this.command('.');
  }

  end(): void {
    this.socket.end('QUIT\r\n');
  }
}
