/**
 * An SMTP server that keeps what it receives: the demo's mail sink (each
 * message written as outbox/<campaign>/<authority>/<recipient>.eml) and the
 * real SMTP server the tests send to. Built on nodemailer's smtp-server, so
 * the worker speaks real SMTP to it. Faults can be injected per recipient or
 * per message, as a real relay would answer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
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
  /** MAIL FROM: the envelope sender, where bounces go. */
  envelopeFrom: string;
  size: number;
  path?: string;
  /** When the sink stored it (ms since epoch): the moment a resend would become a duplicate. */
  receivedAt: number;
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
  /** Fault: answer a new connection's greeting with this reply (e.g. 421) and close it, or null to greet. */
  onConnect?: () => SmtpReply | null;
  /** Fault: answer MAIL FROM with this reply, or null to accept it. */
  onMailFrom?: (address: string) => SmtpReply | null;
  /** Fault: return 'drop' to cut the connection mid-DATA, before the final "." (the message is not kept). */
  onDataStart?: (envelopeTo: string[]) => 'drop' | null;
  /**
   * Fault, after the message is stored: hold the 250 reply back for `delayMs`,
   * or `drop` the connection instead of answering (stored, but the client never
   * hears 250: it will send the message again). Null answers at once.
   */
  afterStore?: (message: ReceivedMessage) => { delayMs?: number; drop?: boolean } | null;
}

export class SmtpSink {
  readonly received: ReceivedMessage[] = [];
  readonly raw = new Map<string, Buffer>();
  private readonly server: SMTPServer;
  /** Errors of client connections (resets, sockets cut by a dying client); the server carries on. */
  readonly clientErrors: Error[] = [];
  /** Client sockets by remote port, so a fault can cut one connection. */
  private readonly sockets = new Map<number, Socket>();

  constructor(private readonly options: SmtpSinkOptions = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onConnect: (_session, callback) => callback(this.replyError(this.options.onConnect?.() ?? null)),
      onMailFrom: (address, _session, callback) => callback(this.replyError(this.options.onMailFrom?.(address.address) ?? null)),
      onRcptTo: (address, _session, callback) => callback(this.recipientError(address)),
      onData: (stream, session, callback) => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        if (this.options.onDataStart?.(envelopeTo) === 'drop') {
          // Cut the line once the client is mid-DATA: it never sends the final ".".
          stream.once('data', () => this.socketOf(session)?.destroy());
          stream.on('error', () => {});
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.accept(Buffer.concat(chunks), session).then(
            (outcome) => {
              if (outcome === 'drop') this.socketOf(session)?.destroy();
              else callback(outcome);
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    // A client that goes away mid-session (a worker killed, a connection reset)
    // is the client's failure, not the server's: without a listener Node would
    // throw the 'error' event and take the whole process down.
    this.server.on('error', (error: Error) => this.clientErrors.push(error));
    this.server.server.on('connection', (socket: Socket) => {
      const port = socket.remotePort;
      if (port === undefined) return;
      this.sockets.set(port, socket);
      socket.once('close', () => this.sockets.delete(port));
    });
  }

  private socketOf(session: SMTPServerSession): Socket | undefined {
    return this.sockets.get(session.remotePort);
  }

  private replyError(reply: SmtpReply | null): Error | null {
    return reply ? smtpError(reply) : null;
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

  private async accept(data: Buffer, session: SMTPServerSession): Promise<Error | null | 'drop'> {
    // Unfold continuation lines (RFC 5322 2.2.3) before reading header values.
    const headers = data
      .subarray(0, Math.max(0, data.indexOf('\r\n\r\n')))
      .toString('utf8')
      .replace(/\r\n[ \t]+/g, ' ');
    const message: ReceivedMessage = {
      messageId: header(headers, 'Message-ID'),
      letter: header(headers, 'X-Annual-Review'),
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      size: data.length,
      receivedAt: Date.now(),
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
    message.receivedAt = Date.now();
    this.received.push(message);
    const after = this.options.afterStore?.(message);
    if (after?.delayMs) await new Promise((resolve) => setTimeout(resolve, after.delayMs));
    return after?.drop ? 'drop' : null;
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
