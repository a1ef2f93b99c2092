/**
 * The boundary between our code and whatever hands mail to the world. Our
 * code speaks MailProvider only; nodemailer's SMTP is one adapter
 * (smtp-provider.ts, the only file that imports nodemailer), and the test
 * inbox and the allowlist are decorators over any provider. Another way to
 * send (an HTTP email API, say) would be one more adapter.
 */
import type { MailAttachment } from '../domain/index.js';

export interface Address {
  name: string;
  address: string;
}

/** One message to one recipient, as our code builds it. */
export interface OutgoingMessage {
  from: Address;
  to: Address;
  replyTo?: string;
  subject: string;
  text: string;
  /** The HTML part; a plain-text message has none. */
  html?: string;
  /** A letter's is derived from its delivery (src/domain/message-id.ts): the same letter always carries the same id. */
  messageId?: string;
  headers?: Record<string, string>;
  /** The envelope sender (MAIL FROM, the Return-Path) when it is not the From address: the VERP bounce address. */
  envelopeFrom?: string;
  /** The letter's PDF and the authority's own files, the same for every recipient of one authority. */
  attachments?: readonly MailAttachment[];
}

/**
 * The message exactly as it is handed to the relay: its bytes (as signed,
 * attachments and all, with the CRLF line ends it travels with) and their
 * sha256, the one number the evidence of what was sent keys on.
 */
export interface ComposedMessage {
  raw: Buffer;
  /** sha256 of `raw`, hex. */
  sha256: string;
}

export interface SendOptions {
  /**
   * Called with the composed message before any of it reaches the relay. If
   * it throws, nothing is sent: the outcome is a transient failure saying so.
   * A letter must never go out without its bytes kept.
   */
  keep?: (message: ComposedMessage) => Promise<void>;
}

/** What every outcome may carry: the composed message's sha256, once there was one to hand over. */
interface Composed {
  /** sha256 of the exact bytes handed (or about to be handed) to the relay; absent when none were made. */
  sha256?: string;
}

/**
 * What became of one message. Never thrown: every outcome is data for the
 * ledger. `to` is the address the message was handed over for (a test run's
 * inbox, not the recipient's).
 */
export type SendResult =
  | (Composed & {
      outcome: 'sent';
      /** The provider's answer, e.g. "250 2.0.0 Ok: queued as 4XyZ1". */
      response: string;
      /** The provider's reference for the message (the relay's queue id when it gives one, else the Message-ID). */
      reference: string;
      /** The relay's queue id, when its answer names one ("queued as 4XyZ1"): the message's name in the relay's own log. */
      queueId?: string;
      to: string;
    })
  | (Composed & {
      /** transient: the same message may well be accepted later; permanent: it never will be, as it is. */
      outcome: 'transient' | 'permanent';
      /** The provider's answer or the error, for the ledger and the log (never credentials). */
      response: string;
      /** The SMTP reply code, when there was one. */
      responseCode?: number;
      to: string;
    });

export interface MailProvider {
  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult>;
  /** Closes its connections; nothing can be sent afterwards. */
  close(): void;
}
