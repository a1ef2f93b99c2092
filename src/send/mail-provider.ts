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
 * What became of one message. Never thrown: every outcome is data for the
 * ledger. `to` is the address the message was handed over for (a test run's
 * inbox, not the recipient's).
 */
export type SendResult =
  | {
      outcome: 'sent';
      /** The provider's answer, e.g. "250 2.0.0 Ok: queued as 4XyZ1". */
      response: string;
      /** The provider's reference for the message (the relay's queue id when it gives one, else the Message-ID). */
      reference: string;
      to: string;
    }
  | {
      /** transient: the same message may well be accepted later; permanent: it never will be, as it is. */
      outcome: 'transient' | 'permanent';
      /** The provider's answer or the error, for the ledger and the log (never credentials). */
      response: string;
      /** The SMTP reply code, when there was one. */
      responseCode?: number;
      to: string;
    };

export interface MailProvider {
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Closes its connections; nothing can be sent afterwards. */
  close(): void;
}
