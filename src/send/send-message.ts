/**
 * Sends one rendered letter to one recipient and says what became of it.
 * Never throws for an SMTP outcome: every outcome is data for the ledger.
 */
import type { MailAttachment, RenderedLetter } from '../domain/index.js';
import { classifyRejection, classifySendError, type FailureKind } from './classify.js';
import type { MailTransport } from './transport.js';

export interface Address {
  name: string;
  address: string;
}

export interface OutgoingMessage {
  from: Address;
  replyTo?: string;
  to: Address;
  letter: RenderedLetter;
  /** Derived from (campaign, authority, recipient): the same letter always carries the same id. */
  messageId: string;
  headers?: Record<string, string>;
  /** The envelope sender (MAIL FROM, the Return-Path) when it is not the From address: the VERP bounce address. */
  envelopeFrom?: string;
  /** The letter's PDF and the authority's own files, the same for every recipient of one authority. */
  attachments?: readonly MailAttachment[];
}

export type SendOutcome =
  | { status: 'sent'; response: string }
  | { status: 'failed'; kind: FailureKind; response: string; responseCode?: number };

export async function sendMessage(transport: MailTransport, message: OutgoingMessage): Promise<SendOutcome> {
  try {
    const info = await transport.sendMail({
      from: message.from,
      to: message.to,
      replyTo: message.replyTo,
      subject: message.letter.subject,
      html: message.letter.html,
      text: message.letter.text,
      messageId: message.messageId,
      headers: message.headers,
      // Only MAIL FROM changes; RCPT TO stays the To address and the From header stays as it is.
      ...(message.envelopeFrom ? { envelope: { from: message.envelopeFrom, to: message.to.address } } : {}),
      attachments: message.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      // Telling nodemailer the encoding spares it scanning every letter to choose one.
      textEncoding: 'quoted-printable',
    });
    const rejected =
      info.rejectedErrors?.[0] ?? (info.rejected.length > 0 ? new Error(`rejected: ${String(info.rejected[0])}`) : undefined);
    if (rejected) return { status: 'failed', ...classifyRejection(rejected) };
    return { status: 'sent', response: info.response };
  } catch (error) {
    return { status: 'failed', ...classifySendError(error) };
  }
}
