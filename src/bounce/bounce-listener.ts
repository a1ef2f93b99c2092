/**
 * The SMTP side of `bounces`: a relay or MX forwards the bounce address to
 * BOUNCE_LISTEN, and each message goes to the handler. The port faces mail
 * from anyone, so it holds under abuse:
 *   - only recipients in the bounce address's domain (550 otherwise);
 *   - SIZE advertised, a MAIL FROM announcing more refused, and a message
 *     past BOUNCE_MAX_BYTES stops being kept the moment it passes (the rest is
 *     read and dropped) and is answered 552: memory per connection is bounded;
 *   - BOUNCE_MAX_CONNECTIONS at once, BOUNCE_MAX_CONNECTIONS_PER_CLIENT from
 *     one address (421 past either); a client silent BOUNCE_IDLE_TIMEOUT_MS, or
 *     connected BOUNCE_SESSION_TIMEOUT_MS in all, is disconnected;
 *   - a message we cannot parse is refused for good (554): retrying cannot
 *     help it. 451 ("try again later") only for our own trouble: the outcome
 *     could not be recorded (Redis away, disk error), so the relay keeps the
 *     message and the bounce is not lost.
 * Refusals are logged as `bounce.refused`, once a minute per client and reason.
 */

import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { EVENT } from '../domain/index.js';
import type { BounceRecorder } from './bounce-recorder.js';

export interface BounceListenerOptions {
  handler: BounceRecorder;
  /** The bounce address's domain (BOUNCE_ADDRESS). */
  domain: string;
  /** BOUNCE_MAX_BYTES. */
  maxBytes: number;
  /** BOUNCE_MAX_CONNECTIONS: at once, from everyone. */
  maxConnections: number;
  /** BOUNCE_MAX_CONNECTIONS_PER_CLIENT: at once, from one address. */
  maxConnectionsPerClient: number;
  /** BOUNCE_IDLE_TIMEOUT_MS. */
  idleTimeoutMs: number;
  /** BOUNCE_SESSION_TIMEOUT_MS. */
  sessionTimeoutMs: number;
  log: Logger;
}

/** A bounce names its one recipient; a few more for an MTA that batches. */
const MAX_RECIPIENTS = 50;
const REFUSAL_LOG_WINDOW_MS = 60_000;

type Refusal = 'too-many-connections' | 'too-many-from-client' | 'too-large' | 'session-timeout' | 'unreadable';

export class BounceListener {
  private readonly server: SMTPServer;
  /** Sessions admitted, by client address; the ids of those admitted (a refused one's close must not count down). */
  private readonly perClient = new Map<string, number>();
  private readonly admitted = new Set<string>();
  private refusalsLogged = new Map<string, number>();
  private refusalsWindow = Date.now();

  constructor(readonly options: BounceListenerOptions) {
    const { log, maxBytes } = options;
    this.server = new SMTPServer({
      // Bounces arrive from MTAs on the inside; TLS and auth are the relay's job in front of it.
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: maxBytes,
      rejectOversized: true,
      maxRecipients: MAX_RECIPIENTS,
      socketTimeout: options.idleTimeoutMs,
      // A reverse lookup per connection is the client's DNS server's to slow down; nothing here uses the name.
      disableReverseLookup: true,
      logger: false,
      onConnect: (session, callback) => {
        const client = session.remoteAddress;
        const here = this.perClient.get(client) ?? 0;
        if (this.admitted.size >= options.maxConnections) {
          this.refused('too-many-connections', client);
          return callback(smtpError(421, `4.7.0 too many connections (${options.maxConnections}); try again later`));
        }
        if (here >= options.maxConnectionsPerClient) {
          this.refused('too-many-from-client', client);
          return callback(smtpError(421, `4.7.0 too many connections from ${client}; try again later`));
        }
        this.perClient.set(client, here + 1);
        this.admitted.add(session.id);
        callback();
      },
      onClose: (session) => {
        if (!this.admitted.delete(session.id)) return;
        const left = (this.perClient.get(session.remoteAddress) ?? 1) - 1;
        if (left > 0) this.perClient.set(session.remoteAddress, left);
        else this.perClient.delete(session.remoteAddress);
      },
      onRcptTo: (address, _session, callback) => {
        const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
        if (domain !== options.domain) return callback(smtpError(550, `5.1.2 only mail for ${options.domain} is accepted here`));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) chunks.push(chunk);
          // Past the limit nothing more is kept, and what was is let go; the rest is read only to find its end.
          else if (chunks.length > 0) chunks.length = 0;
        });
        // The client went away mid-message: smtp-server ends the session, and there is nothing to answer.
        stream.on('error', () => {});
        stream.on('end', () => {
          if (size > maxBytes) {
            this.refused('too-large', session.remoteAddress, { bytes: size });
            return callback(smtpError(552, `5.3.4 message larger than ${maxBytes} bytes`));
          }
          const raw = Buffer.concat(chunks);
          chunks.length = 0;
          options.handler
            .handle(
              raw,
              session.envelope.rcptTo.map((r) => r.address),
            )
            .then(
              (outcome) => {
                if (outcome.result !== 'unreadable') return callback();
                this.refused('unreadable', session.remoteAddress, { reason: outcome.reason });
                callback(smtpError(554, `5.6.0 ${outcome.reason}`));
              },
              (err: unknown) => {
                log.error({ event: EVENT.bounceError, err }, 'bounce.error: could not record a bounce; the sender will retry');
                callback(smtpError(451, '4.3.0 could not record the message now; try again later'));
              },
            );
        });
      },
    });
    this.server.on('error', (err) => log.warn({ event: EVENT.bounceListenerError, err }, 'bounce listener connection error'));
    // However busy: a client that sends a byte now and then is never idle long enough for the idle timeout.
    this.server.server.on('connection', (socket: Socket) => {
      const deadline = setTimeout(() => {
        this.refused('session-timeout', socket.remoteAddress ?? '?');
        socket.destroy();
      }, options.sessionTimeoutMs);
      deadline.unref();
      socket.once('close', () => clearTimeout(deadline));
    });
  }

  /** Listens on host:port; returns the port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Stops accepting connections and waits for the open ones to finish. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Logs a refusal, the first per client and reason in each minute: a flood must not fill the log instead. */
  private refused(reason: Refusal, client: string, details: Record<string, unknown> = {}): void {
    const now = Date.now();
    if (now - this.refusalsWindow >= REFUSAL_LOG_WINDOW_MS) {
      this.refusalsLogged = new Map();
      this.refusalsWindow = now;
    }
    const key = `${reason} ${client}`;
    const times = this.refusalsLogged.get(key) ?? 0;
    this.refusalsLogged.set(key, times + 1);
    if (times === 0)
      this.options.log.warn({ event: EVENT.bounceRefused, reason, client, ...details }, `bounce.refused: ${reason} (${client})`);
  }
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
