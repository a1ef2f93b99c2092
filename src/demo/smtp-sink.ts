/**
 * An SMTP server that keeps what it receives: the demo's mail sink (each
 * message written as outbox/<campaign>/<authority>/<recipient>.eml) and the
 * real SMTP server the tests send to. Built on nodemailer's smtp-server, so
 * the worker speaks real SMTP to it. Faults can be injected per recipient or
 * per message, as a real relay would answer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface SmtpReply {
  code: number;
  message: string;
}

export interface ReceivedMessage {
  messageId: string;
  /** The X-Annual-Review header: "<campaign>/<authority>/<recipient>". */
  letter: string;
  envelopeTo: string[];
  size: number;
  path?: string;
}

export interface SmtpSinkOptions {
  /** Write each message as <outboxDir>/<campaign>/<authority>/<recipient>.eml. */
  outboxDir?: string;
  /** Keep each message's bytes in memory (tests that read the MIME). Default false. */
  keepRaw?: boolean;
  /** Answer RCPT TO for this address with an error reply, or null to accept it. */
  onRecipient?: (address: string) => SmtpReply | null;
  /** Answer the end of DATA with an error reply (the message is then not kept), or null to accept it. */
  onMessage?: (message: ReceivedMessage) => SmtpReply | null;
}

export class SmtpSink {
  readonly received: ReceivedMessage[] = [];
  readonly raw = new Map<string, Buffer>();
  private readonly server: SMTPServer;

  constructor(private readonly options: SmtpSinkOptions = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onRcptTo: (address, _session, callback) => callback(this.recipientError(address)),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.accept(Buffer.concat(chunks), session).then(
            (error) => callback(error),
            (error: Error) => callback(error),
          );
        });
      },
    });
  }

  /** Listens on a free loopback port and returns an smtp:// URL for it. */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Messages received per Message-ID: more than one means a letter was sent twice. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    return counts;
  }

  private recipientError(address: SMTPServerAddress): Error | null {
    const reply = this.options.onRecipient?.(address.address);
    return reply ? smtpError(reply) : null;
  }

  private async accept(data: Buffer, session: SMTPServerSession): Promise<Error | null> {
    // Unfold continuation lines (RFC 5322 2.2.3) before reading header values.
    const headers = data.subarray(0, Math.max(0, data.indexOf('\r\n\r\n'))).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
    const message: ReceivedMessage = {
      messageId: header(headers, 'Message-ID'),
      letter: header(headers, 'X-Annual-Review'),
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      size: data.length,
    };
    const reply = this.options.onMessage?.(message);
    if (reply) return smtpError(reply);
    if (this.options.outboxDir && message.letter) {
      const [campaign, authority, recipient] = message.letter.split('/').map(safeName);
      const dir = join(this.options.outboxDir, campaign!, authority!);
      await mkdir(dir, { recursive: true });
      message.path = join(dir, `${recipient}.eml`);
      await writeFile(message.path, data);
    }
    if (this.options.keepRaw) this.raw.set(message.messageId, data);
    this.received.push(message);
    return null;
  }
}

function header(headers: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers);
  return match ? match[1]!.trim() : '';
}

/** The header comes from our own worker, but a file name must never climb out of the outbox. */
function safeName(part: string | undefined): string {
  return (part ?? 'unknown').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'unknown';
}

function smtpError(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}
