/**
 * The SMTP side of `bounces`: a relay or MX forwards the bounce address to
 * BOUNCE_LISTEN. Only recipients in the bounce address's domain are accepted,
 * and nothing larger than BOUNCE_MAX_BYTES; each message goes to the handler.
 * A message the handler could not record (Redis or disk down) is answered
 * 451, so the sending MTA keeps it and tries again.
 */

import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { EVENT } from '../domain/index.js';
import type { BounceHandler } from './handle-bounce.js';

export interface BounceListenerOptions {
  handler: BounceHandler;
  /** The bounce address's domain (BOUNCE_ADDRESS). */
  domain: string;
  maxBytes: number;
  log: Logger;
}

export class BounceListener {
  private readonly server: SMTPServer;

  constructor(readonly options: BounceListenerOptions) {
    this.server = new SMTPServer({
      // Bounces arrive from MTAs on the inside; TLS and auth are the relay's job in front of it.
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: options.maxBytes,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
        if (domain !== options.domain)
          return callback(Object.assign(new Error(`5.1.2 only mail for ${options.domain} is accepted here`), { responseCode: 550 }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            return callback(Object.assign(new Error(`5.3.4 message larger than ${options.maxBytes} bytes`), { responseCode: 552 }));
          }
          const raw = Buffer.concat(chunks);
          options.handler
            .handle(
              raw,
              session.envelope.rcptTo.map((r) => r.address),
            )
            .then(
              () => callback(),
              (err: unknown) => {
                options.log.error({ event: EVENT.bounceError, err }, 'bounce.error: could not record a bounce; the sender will retry');
                callback(Object.assign(new Error('4.3.0 could not record the message now; try again later'), { responseCode: 451 }));
              },
            );
        });
      },
    });
    this.server.on('error', (err) => options.log.warn({ event: EVENT.bounceListenerError, err }, 'bounce listener connection error'));
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
}
