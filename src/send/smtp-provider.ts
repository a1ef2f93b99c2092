/**
 * The SMTP adapter of MailProvider: nodemailer's pooled transport, with DKIM
 * and the VERP envelope sender. The only file that imports nodemailer.
 * Credentials come from SMTP_URL and nowhere else; smtp:// upgrades with
 * STARTTLS when the relay offers it, smtps:// is TLS from the first byte.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { classifyRejection, classifySendError } from './classify.js';
import type { DkimSigning } from './dkim.js';
import type { MailProvider, OutgoingMessage, SendResult } from './mail-provider.js';

export interface SmtpProviderOptions {
  /** smtp://user:pass@host:port or smtps://... */
  url: string;
  /** Connections kept open to the relay. Default 5. */
  maxConnections?: number;
  /** Messages one connection sends before it is replaced. Default 1000. */
  maxMessages?: number;
  /** Sign every message with this DKIM key (nodemailer's own signer). Default: unsigned. */
  dkim?: DkimSigning;
  /** How long to wait for a connection and the relay's greeting, ms. Default 30 s. */
  connectTimeoutMs?: number;
}

/** nodemailer's pooled transport, as the adapter drives it. */
export type SmtpTransport = Transporter<SMTPPool.SentMessageInfo>;

export function createSmtpProvider(options: SmtpProviderOptions): MailProvider {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const auth = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined;
  const connectTimeout = options.connectTimeoutMs ?? 30_000;
  const transport: SmtpTransport = nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 1000,
    // Bounded waits: a hung relay becomes a transient failure, well inside the ledger lease.
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: 60_000,
    // A self-signed relay is allowed only when the URL says so explicitly.
    tls: url.searchParams.get('tls') === 'insecure' ? { rejectUnauthorized: false } : undefined,
    logger: false,
    // As `keys`: nodemailer 10's published types omit the single-key fields (its sign.d.ts is missing).
    ...(options.dkim ? { dkim: { keys: [options.dkim] } } : {}),
  });
  return smtpProviderOver(transport);
}

/** The adapter over a transport already made (tests hand it one that answers as a relay might). */
export function smtpProviderOver(transport: SmtpTransport): MailProvider {
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const to = message.to.address;
      try {
        const info = await transport.sendMail({
          from: message.from,
          to: message.to,
          replyTo: message.replyTo,
          subject: message.subject,
          html: message.html,
          text: message.text,
          messageId: message.messageId,
          headers: message.headers,
          // Only MAIL FROM changes; RCPT TO stays the To address and the From header stays as it is.
          ...(message.envelopeFrom ? { envelope: { from: message.envelopeFrom, to } } : {}),
          attachments: message.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
          // Telling nodemailer the encoding spares it scanning every letter to choose one.
          textEncoding: 'quoted-printable',
        });
        // nodemailer resolves (does not throw) when the relay refuses only some recipients: they are listed.
        const rejected =
          info.rejectedErrors?.[0] ?? (info.rejected.length > 0 ? new Error(`rejected: ${String(info.rejected[0])}`) : undefined);
        if (rejected) {
          const failure = classifyRejection(rejected);
          return { outcome: failure.kind, response: failure.response, ...withCode(failure.responseCode), to };
        }
        return { outcome: 'sent', response: info.response, reference: queueIdOf(info.response) ?? info.messageId, to };
      } catch (error) {
        const failure = classifySendError(error);
        return { outcome: failure.kind, response: failure.response, ...withCode(failure.responseCode), to };
      }
    },
    close() {
      transport.close();
    },
  };
}

function withCode(responseCode: number | undefined): { responseCode?: number } {
  return responseCode === undefined ? {} : { responseCode };
}

/** "250 2.0.0 Ok: queued as 4XyZ1" -> "4XyZ1" (Postfix, Exim and most relays say so); undefined when the relay does not. */
function queueIdOf(response: string): string | undefined {
  return /\bqueued as ([A-Za-z0-9._-]{1,100})/i.exec(response)?.[1];
}
