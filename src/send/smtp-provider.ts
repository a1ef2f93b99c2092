/**
 * The SMTP adapter of MailProvider: nodemailer's pooled transport, with DKIM
 * and the VERP envelope sender. The only file that imports nodemailer.
 * Credentials come from SMTP_URL and nowhere else; smtp:// upgrades with
 * STARTTLS when the relay offers it, smtps:// is TLS from the first byte.
 *
 * Each message is composed once, here, into the bytes the relay receives
 * (nodemailer's MailComposer, signed by nodemailer's DKIM signer as its
 * transport would sign it, line ends as they travel), so their sha256 is the
 * message's and those very bytes can be kept before they are handed over.
 */
import { createHash, randomBytes } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { classifyRejection, classifySendError } from './classify.js';
import type { DkimSigning } from './dkim.js';
import type { ComposedMessage, MailProvider, OutgoingMessage, SendOptions, SendResult } from './mail-provider.js';

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
  });
  return smtpProviderOver(transport, options.dkim);
}

/**
 * The adapter over a transport already made (tests hand it one that answers
 * as a relay might). The transport is handed finished bytes (`raw`) and signs
 * nothing itself: `dkim` signs each message as it is composed.
 */
export function smtpProviderOver(transport: SmtpTransport, dkim?: DkimSigning): MailProvider {
  // As `keys`: nodemailer 10's published types omit the single-key fields (its sign.d.ts is missing).
  const signer = dkim ? new DKIM({ keys: [dkim] }) : undefined;
  return {
    async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
      const to = message.to.address;
      let composed: ComposedMessage;
      try {
        composed = await compose(message, signer);
      } catch (error) {
        const failure = classifySendError(error);
        return { outcome: failure.kind, response: failure.response, ...withCode(failure.responseCode), to };
      }
      const { sha256 } = composed;
      if (options.keep) {
        try {
          await options.keep(composed);
        } catch (error) {
          // The relay has seen nothing: a letter whose bytes cannot be kept is not sent, and is tried again.
          const reason = error instanceof Error ? error.message : String(error);
          return { outcome: 'transient', response: `not sent: the message could not be kept (${reason})`, to, sha256 };
        }
      }
      try {
        const info = await transport.sendMail({
          raw: composed.raw,
          // The raw bytes carry their own Message-ID; saying it here spares nodemailer making one up for its record.
          messageId: message.messageId,
          // Only MAIL FROM differs from the headers (the VERP address); RCPT TO is the To address.
          envelope: { from: message.envelopeFrom ?? message.from.address, to: [to] },
        });
        // nodemailer resolves (does not throw) when the relay refuses only some recipients: they are listed.
        const rejected =
          info.rejectedErrors?.[0] ?? (info.rejected.length > 0 ? new Error(`rejected: ${String(info.rejected[0])}`) : undefined);
        if (rejected) {
          const failure = classifyRejection(rejected);
          return { outcome: failure.kind, response: failure.response, ...withCode(failure.responseCode), to, sha256 };
        }
        const queueId = queueIdOf(info.response);
        return {
          outcome: 'sent',
          response: info.response,
          reference: queueId ?? message.messageId ?? info.messageId,
          ...(queueId ? { queueId } : {}),
          to,
          sha256,
        };
      } catch (error) {
        const failure = classifySendError(error);
        return { outcome: failure.kind, response: failure.response, ...withCode(failure.responseCode), to, sha256 };
      }
    },
    close() {
      transport.close();
    },
  };
}

/**
 * The message as the relay will receive it, built and signed as nodemailer's
 * transport would build and sign it, with CRLF line ends throughout: SMTP
 * carries every line end as CRLF, and nodemailer's quoted-printable keeps the
 * text's own, so the parts go in with CRLF already (nodemailer's `newline`
 * option would do the same to the whole message, at twice the cost of
 * building it).
 */
async function compose(message: OutgoingMessage, signer: DKIM | undefined): Promise<ComposedMessage> {
  const mail: Mail.Options = {
    from: message.from,
    to: message.to,
    replyTo: message.replyTo,
    subject: message.subject,
    html: message.html === undefined ? undefined : withCrlf(message.html),
    text: withCrlf(message.text),
    messageId: message.messageId,
    headers: message.headers,
    attachments: message.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
    // Telling nodemailer the encoding spares it scanning every letter to choose one.
    textEncoding: 'quoted-printable',
    // Unique per message without asking the system for random bytes each time.
    baseBoundary: nextBoundary(),
  };
  const node = new MailComposer(mail).compile();
  // Where nodemailer's own transport signs: after the message is built.
  if (signer) node.processFunc((input) => signer.sign(input));
  const raw = crlfThroughout(await node.build());
  return { raw, sha256: createHash('sha256').update(raw).digest('hex') };
}

/** The process's own random part of every multipart boundary it writes, then a count: never the same twice. */
const BOUNDARY_BASE = randomBytes(8).toString('hex');
let boundaries = 0;
function nextBoundary(): string {
  boundaries += 1;
  return `${BOUNDARY_BASE}${boundaries.toString(16)}`;
}

function withCrlf(text: string): string {
  if (!text.includes('\n')) return text;
  // The rendered letter's line ends are bare LF; a plain replace is several times the speed of a regex.
  return text.includes('\r') ? text.replace(/\r?\n/g, '\r\n') : text.replaceAll('\n', '\r\n');
}

/** The bytes with every bare LF made CRLF, as SMTP would carry them; the same buffer when there is none (the usual case). */
function crlfThroughout(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let at = raw.indexOf(10); at !== -1; at = raw.indexOf(10, at + 1)) {
    if (at > 0 && raw[at - 1] === 13) continue;
    parts.push(raw.subarray(start, at), CRLF);
    start = at + 1;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(start));
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');

function withCode(responseCode: number | undefined): { responseCode?: number } {
  return responseCode === undefined ? {} : { responseCode };
}

/** "250 2.0.0 Ok: queued as 4XyZ1" -> "4XyZ1" (Postfix, Exim and most relays say so); undefined when the relay does not. */
function queueIdOf(response: string): string | undefined {
  return /\bqueued as ([A-Za-z0-9._-]{1,100})/i.exec(response)?.[1];
}
