/**
 * The pooled SMTP transport. Credentials come from SMTP_URL and nowhere else;
 * smtp:// upgrades with STARTTLS when the relay offers it, smtps:// is TLS from
 * the first byte.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { DkimSigning } from './dkim.js';

export interface TransportOptions {
  /** smtp://user:pass@host:port or smtps://... */
  url: string;
  /** Connections kept open to the relay. Default 5. */
  maxConnections?: number;
  /** Messages one connection sends before it is replaced. Default 1000. */
  maxMessages?: number;
  /** Sign every message with this DKIM key (nodemailer's own signer). Default: unsigned. */
  dkim?: DkimSigning;
}

export type MailTransport = Transporter<SMTPPool.SentMessageInfo>;

export function createMailTransport(options: TransportOptions): MailTransport {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const auth = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined;
  return nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 1000,
    // Bounded waits: a hung relay becomes a transient failure, well inside the ledger lease.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // A self-signed relay is allowed only when the URL says so explicitly.
    tls: url.searchParams.get('tls') === 'insecure' ? { rejectUnauthorized: false } : undefined,
    logger: false,
    // As `keys`: nodemailer 10's published types omit the single-key fields (its sign.d.ts is missing).
    ...(options.dkim ? { dkim: { keys: [options.dkim] } } : {}),
  });
}
