/**
 * The IMAP side of `bounces`: the bounce address delivers into a mailbox
 * (BOUNCE_IMAP_URL), and this reads it. Each message goes to the same
 * handler as the SMTP listener's, then is moved to BOUNCE_IMAP_PROCESSED, so
 * none is read twice; a message the handler could not record (Redis or disk
 * down) stays where it is and is read again on the next round.
 *
 * It waits with IDLE, so a new message is read as it arrives; a server
 * without IDLE is asked every BOUNCE_IMAP_POLL_MS (imapflow's NOOP, at most
 * every 2 minutes), and the mailbox is read again at that interval in any case. A lost connection is
 * made again after the same interval. The password never reaches a log.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import { ConfigError, EVENT } from '../domain/index.js';
import type { BounceRecorder } from './bounce-recorder.js';

export interface BounceMailboxOptions {
  /** imaps://user:pass@host[:port]/Folder (default folder INBOX); imap:// only to this machine. */
  url: string;
  /** Where handled messages go; created when missing. */
  processedFolder: string;
  pollMs: number;
  /** BOUNCE_MAX_BYTES: a larger message is moved on unread, never downloaded. */
  maxBytes: number;
  handler: BounceRecorder;
  log: Logger;
}

/** imapflow's connection options and the folder to read, from BOUNCE_IMAP_URL. */
export function imapConnection(text: string): { options: ImapFlowOptions; folder: string; where: string } {
  const url = new URL(text);
  const secure = url.protocol === 'imaps:';
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!secure && !loopback)
    throw new ConfigError('BOUNCE_IMAP_URL: imap:// sends the password in clear; use imaps:// for any server not on this machine');
  const port = url.port ? Number(url.port) : secure ? 993 : 143;
  const folder = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
  const user = decodeURIComponent(url.username);
  return {
    options: {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      secure,
      auth: { user, pass: decodeURIComponent(url.password) },
      // imapflow's own log would print protocol lines; ours says what matters.
      logger: false,
    },
    folder,
    // For the log: never the password.
    where: `${url.protocol}//${user}@${url.host}/${folder}`,
  };
}

export class BounceMailbox {
  private readonly connection: ReturnType<typeof imapConnection>;
  private client: ImapFlow | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** The server said something arrived while we were reading: read again at once. */
  private news = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: BounceMailboxOptions) {
    this.connection = imapConnection(options.url);
  }

  /** Starts reading in the background; a failure is logged and retried, never thrown. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops after the message in hand, and logs out. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { log } = this.options;
    while (!this.stopped) {
      try {
        await this.session();
      } catch (err) {
        if (this.stopped) break;
        log.warn(
          { event: EVENT.bounceMailboxError, mailbox: this.connection.where, err },
          `bounces: mailbox ${this.connection.where}: ${(err as Error).message}; trying again`,
        );
      } finally {
        await this.client?.logout().catch(() => this.client?.close());
        this.client = undefined;
      }
      // The closed connection's own 'close' is no news: wait the interval before connecting again.
      this.news = false;
      await this.pause();
    }
  }

  /** One connection: read what is there, then again whenever the server says something arrived. */
  private async session(): Promise<void> {
    const client = new ImapFlow({
      ...this.connection.options,
      // IDLE a second after our last command (imapflow's default waits 15 s), so news comes at once;
      // without IDLE, imapflow asks (NOOP) every poll interval instead.
      autoIdleDelay: 1000,
      maxIdleTime: this.options.pollMs,
    });
    this.client = client;
    // Errors also reject the command in progress; the listener only keeps them from being unhandled.
    client.on('error', () => {});
    client.on('exists', () => this.notice());
    client.on('close', () => this.notice());
    await client.connect();
    const { processedFolder } = this.options;
    if (!(await client.list()).some((box) => box.path === processedFolder)) await client.mailboxCreate(processedFolder);
    await client.mailboxOpen(this.connection.folder);
    this.options.log.info(
      { event: EVENT.bouncesMailboxReady, mailbox: this.connection.where, processedFolder },
      `bounces: reading ${this.connection.where}`,
    );
    while (!this.stopped && client.usable) {
      await this.readAll(client);
      await this.pause();
    }
  }

  private async readAll(client: ImapFlow): Promise<void> {
    this.news = false;
    const uids = (await client.search({ all: true }, { uid: true })) || [];
    for (const uid of uids) {
      if (this.stopped) return;
      const listed = await client.fetchOne(String(uid), { size: true }, { uid: true });
      if (listed && (listed.size ?? 0) > this.options.maxBytes) {
        this.options.log.warn(
          { event: EVENT.bounceRefused, reason: 'too-large', mailbox: this.connection.where, uid, bytes: listed.size },
          `bounce.refused: message ${uid} in ${this.connection.where} is larger than BOUNCE_MAX_BYTES; moved to ${this.options.processedFolder} unread`,
        );
        await client.messageMove(String(uid), this.options.processedFolder, { uid: true });
        continue;
      }
      const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
      // false (not an object) when the message is gone since the search.
      if (!message) continue;
      if (!message.source) continue;
      // Throws only when the outcome could not be recorded: the message then stays for the next round.
      // One it cannot read (`unreadable`) is moved on as handled: no later round would read it either.
      await this.options.handler.handle(message.source);
      await client.messageMove(String(uid), this.options.processedFolder, { uid: true });
    }
  }

  private notice(): void {
    this.news = true;
    this.wake?.();
  }

  /** Waits for the poll interval, news from the server, or close(). */
  private pause(): Promise<void> {
    if (this.stopped || this.news) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs);
      this.wake = done;
    });
  }
}
