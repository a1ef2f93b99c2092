/**
 * The `bounces` process: the SMTP listener on BOUNCE_LISTEN and the mailbox
 * reader on BOUNCE_IMAP_URL (either or both) feeding one bounce handler, one
 * Redis connection for the ledgers and the unverified bounces, and the ordered
 * shutdown: stop accepting (letting open SMTP sessions and the message in
 * hand finish), then Redis, then flush the logs.
 *
 * Redis may restart under it: the connection reconnects for ever, backing
 * off, and while it is away a command fails at once (the 'server' role), so a
 * bounce arriving then is answered 451 and its relay tries again; the mailbox
 * reader leaves the message where it is. Nothing is lost and nothing waits.
 */

import type { Logger } from 'pino';
import { BounceListener } from '../src/bounce/bounce-listener.js';
import { BounceMailbox, imapConnection } from '../src/bounce/bounce-mailbox.js';
import { UnmatchedBounces } from '../src/bounce/unmatched-bounces.js';
import { verpFromConfig } from '../src/bounce/verp.js';
import type { Config } from '../src/config.js';
import { ConfigError, EVENT } from '../src/domain/index.js';
import { createDeliveryLogger } from '../src/log/delivery-log.js';
import { createOperations } from '../src/operations/context.js';
import { BounceHandler } from '../src/operations/record-bounce.js';
import { closeRedis, createRedis, redisTarget } from '../src/redis.js';
import type { UnverifiedBounceStore } from '../src/storage/unverified-bounce-store.js';

export interface BouncesProcess {
  /** The port the SMTP listener is on (BOUNCE_LISTEN's, or the one chosen for port 0); undefined without BOUNCE_LISTEN. */
  port: number | undefined;
  handler: BounceHandler;
  unmatched: UnmatchedBounces;
  /** The unverified bounces it recorded, by campaign. */
  unverified: UnverifiedBounceStore;
  close(): Promise<void>;
}

export async function startBouncesProcess(config: Config, options: { log: Logger; echoDeliveries?: boolean }): Promise<BouncesProcess> {
  const verp = verpFromConfig(config);
  if (!verp) throw new ConfigError('BOUNCE_ADDRESS and BOUNCE_SECRET are required by `bounces`');
  if (!config.BOUNCE_LISTEN && !config.BOUNCE_IMAP_URL) {
    throw new ConfigError(
      '`bounces` needs BOUNCE_LISTEN (host:port, e.g. 127.0.0.1:2525), BOUNCE_IMAP_URL (imaps://user:pass@host/INBOX), or both',
    );
  }
  // Checked before anything opens: a plain-text imap:// to another machine stops the start.
  if (config.BOUNCE_IMAP_URL) imapConnection(config.BOUNCE_IMAP_URL);
  const log = options.log;
  const connection = createRedis(redisTarget(config), 'server');
  connection.on('error', (err) => log.warn({ event: EVENT.redisError, err }, 'redis connection error; reconnecting'));
  const deliveryLog = createDeliveryLogger({ level: config.LOG_LEVEL, file: config.DELIVERY_LOG, echo: options.echoDeliveries });
  const ops = createOperations({ redis: connection, config, deliveryLog });
  const unmatched = new UnmatchedBounces(
    config.BOUNCE_UNMATCHED_DIR,
    { maxBytes: config.BOUNCE_UNMATCHED_MAX_BYTES, maxFiles: config.BOUNCE_UNMATCHED_MAX_FILES },
    log,
  );
  const unverified = ops.storage.unverifiedBounces;
  const handler = new BounceHandler(ops, { verp, log, unmatched });
  let listener: BounceListener | undefined;
  let port: number | undefined;
  if (config.BOUNCE_LISTEN) {
    listener = new BounceListener({
      handler,
      domain: verp.bounceDomain,
      maxBytes: config.BOUNCE_MAX_BYTES,
      maxConnections: config.BOUNCE_MAX_CONNECTIONS,
      maxConnectionsPerClient: config.BOUNCE_MAX_CONNECTIONS_PER_CLIENT,
      idleTimeoutMs: config.BOUNCE_IDLE_TIMEOUT_MS,
      sessionTimeoutMs: config.BOUNCE_SESSION_TIMEOUT_MS,
      log,
    });
    const at = config.BOUNCE_LISTEN.lastIndexOf(':');
    port = await listener.listen(config.BOUNCE_LISTEN.slice(0, at), Number(config.BOUNCE_LISTEN.slice(at + 1)));
    log.info(
      { event: EVENT.bouncesReady, port, domain: verp.bounceDomain, unmatchedDir: unmatched.dir },
      `bounces: listening on port ${port}`,
    );
  }
  const mailbox = config.BOUNCE_IMAP_URL
    ? new BounceMailbox({
        url: config.BOUNCE_IMAP_URL,
        processedFolder: config.BOUNCE_IMAP_PROCESSED,
        pollMs: config.BOUNCE_IMAP_POLL_MS,
        maxBytes: config.BOUNCE_MAX_BYTES,
        handler,
        log,
      })
    : undefined;
  mailbox?.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all([listener?.close(), mailbox?.close()]);
      await ops.close();
      await closeRedis(connection);
      log.info({ event: EVENT.bouncesStopped, unmatched: unmatched.count }, `bounces: stopped; ${unmatched.count} kept aside as unmatched`);
      await new Promise<void>((resolve) => deliveryLog.flush(() => resolve()));
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    })());
  return { port, handler, unmatched, unverified, close };
}
