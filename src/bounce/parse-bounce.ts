/**
 * One parser for what comes back to the bounce address: what it says
 * happened, to which address, and which letter it is about. Pure: it reads
 * one message and decides nothing about the ledger.
 *
 * - RFC 3464 `multipart/report; report-type=delivery-status`: one block per
 *   recipient with Final-Recipient, Action, Status and Diagnostic-Code
 *   (Postfix, Exim 4.9x, Gmail, Microsoft 365, ...).
 * - The common non-standard form: a plain-text "could not be delivered"
 *   message with the original letter (or its headers) attached or quoted, and
 *   the receiving server's reply somewhere in the prose.
 * - Auto-replies (Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
 *   Precedence auto_reply) with no report part: out-of-office and the like.
 *
 * MIME is mailparser's; only the report's field blocks are read here.
 */
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';

export interface RecipientStatus {
  /** The address the report is about (Final-Recipient, or the address in the prose), lower-case. */
  email?: string;
  /** failed | delayed | delivered | relayed | expanded, when the report says. */
  action?: string;
  /** The enhanced status code, e.g. 5.1.1. */
  status?: string;
  /** The receiving system's words, e.g. "smtp; 550 5.1.1 <x@y>: Recipient address rejected: User unknown". */
  diagnostic?: string;
}

export type BounceKind =
  /** A hard failure: action failed, or a 5.x.x status. */
  | 'failed'
  /** Still trying: action delayed, or a 4.x.x status. */
  | 'delayed'
  /** An out-of-office or other automatic answer, not about delivery. */
  | 'auto-reply'
  /** Nothing we can read as a delivery report (or a success report). */
  | 'unrecognised';

export interface ParsedBounce {
  kind: BounceKind;
  /** The recipients the report is about; for `failed`, the first is the one that failed. */
  recipients: RecipientStatus[];
  /** Every address the bounce itself was sent to (envelope first, then Delivered-To, X-Original-To, To): where a VERP token is. */
  sentTo: string[];
  /** The Message-ID of the letter that bounced, from the attached or quoted original. */
  originalMessageId?: string;
  /** For the log: the bounce's own subject, sender and Message-ID. */
  subject: string;
  from: string;
  messageId?: string;
}

/** Parses one received message. `envelopeTo` are the SMTP RCPT TO addresses, when it came over SMTP. */
export async function parseBounce(raw: Buffer | string, envelopeTo: readonly string[] = []): Promise<ParsedBounce> {
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: false });
  const base = {
    sentTo: unique([
      ...envelopeTo,
      ...headerAddresses(mail, 'delivered-to'),
      ...headerAddresses(mail, 'x-original-to'),
      ...addresses(mail.to),
    ]),
    subject: mail.subject ?? '',
    from: addresses(mail.from)[0] ?? '',
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
  };
  const originalMessageId = findOriginalMessageId(mail);
  const withOriginal = originalMessageId ? { ...base, originalMessageId } : base;

  const report = mail.attachments.find((a) => a.contentType.toLowerCase() === 'message/delivery-status');
  if (report) {
    const recipients = parseDeliveryStatus(report.content.toString('utf8'));
    return { ...withOriginal, kind: classify(recipients), recipients: ordered(recipients) };
  }
  // Mail systems mark their bounces Auto-Submitted too (Exim does): one from a mail system is read
  // as a bounce first; from anyone else, an automatic answer is only that, whatever its words.
  const daemon = isFromMailSystem(mail);
  if (!daemon && isAutoReply(mail)) return { ...withOriginal, kind: 'auto-reply', recipients: [] };
  const prose = readProse(mail);
  if (prose) return { ...withOriginal, kind: classify([prose]), recipients: [prose] };
  if (isAutoReply(mail)) return { ...withOriginal, kind: 'auto-reply', recipients: [] };
  return { ...withOriginal, kind: 'unrecognised', recipients: [] };
}

/** The per-recipient blocks of a message/delivery-status body (RFC 3464 2.1: blocks of header fields, blank-line separated). */
export function parseDeliveryStatus(text: string): RecipientStatus[] {
  const blocks = text
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split(/\n\s*\n/)
    .map(fields);
  // The first block is about the message (Reporting-MTA, ...); the rest, one per recipient.
  return blocks
    .filter((f) => f.has('final-recipient') || f.has('action'))
    .map((f) => {
      const r: RecipientStatus = {};
      const email = f.get('final-recipient') ?? f.get('original-recipient');
      if (email) r.email = typeValue(email).toLowerCase();
      if (f.has('action')) r.action = f.get('action')!.toLowerCase();
      const status = /\d\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '');
      if (status) r.status = status[0];
      if (f.has('diagnostic-code')) r.diagnostic = f.get('diagnostic-code')!.replace(/\s+/g, ' ');
      return r;
    });
}

function fields(block: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of block.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
    if (match && !map.has(match[1]!.toLowerCase())) map.set(match[1]!.toLowerCase(), match[2]!.trim());
  }
  return map;
}

/** "rfc822; a@b" -> "a@b" (RFC 3464 address-type; address). */
function typeValue(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, '');
}

function isHard(r: RecipientStatus): boolean {
  return r.action === 'failed' || r.status?.startsWith('5.') === true;
}

function isDelay(r: RecipientStatus): boolean {
  return r.action === 'delayed' || r.status?.startsWith('4.') === true;
}

function classify(recipients: RecipientStatus[]): BounceKind {
  if (recipients.some(isHard)) return 'failed';
  if (recipients.some(isDelay)) return 'delayed';
  return 'unrecognised';
}

/** The hard failures first: the matcher reads the first. */
function ordered(recipients: RecipientStatus[]): RecipientStatus[] {
  return [...recipients.filter(isHard), ...recipients.filter((r) => !isHard(r))];
}

function isFromMailSystem(mail: ParsedMail): boolean {
  return (
    mail.headers.has('x-failed-recipients') ||
    /^(mailer-daemon|postmaster|mail delivery)/i.test(`${mail.from?.value[0]?.address ?? ''}`) ||
    /mail delivery (system|subsystem)/i.test(mail.from?.text ?? '')
  );
}

function isAutoReply(mail: ParsedMail): boolean {
  const header = (name: string) => String(mail.headers.get(name) ?? '').toLowerCase();
  const submitted = header('auto-submitted');
  return (
    (submitted !== '' && submitted !== 'no') ||
    mail.headers.has('x-autoreply') ||
    mail.headers.has('x-autorespond') ||
    ['auto_reply', 'auto-reply'].includes(header('precedence')) ||
    /^(auto(matic)?[ -]?reply|out of (the )?office)\b/i.test(mail.subject ?? '')
  );
}

// What a plain-text bounce says, in the words MTAs use (Exim's "Mail delivery failed", qmail's
// "I'm afraid I wasn't able to deliver", Exchange's "Delivery has failed", Sendmail's "Returned mail").
const FAILURE_WORDS =
  /(could not be delivered|couldn't be delivered|undeliverable|delivery (has )?failed|mail delivery failed|permanent(ly)? (error|fatal)|wasn't able to deliver|returned mail|delivery status notification \(failure\))/i;
const DELAY_WORDS = /(delayed|not yet been delivered|will (continue to )?(re)?try|temporar(y|ily))/i;
const REPLY = /\b([45])\d\d[ -](?:([45]\.\d{1,3}\.\d{1,3})\s)?[^\n]*/;
const ADDRESS = /<?([a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,})>?/i;

/** A plain-text bounce: the failure words, a server reply, and the address it failed for. */
function readProse(mail: ParsedMail): RecipientStatus | null {
  // Only the bounce's own words: a quoted original follows a marker line and may say anything.
  const text = (mail.text ?? '').split(/^-+ ?(This is a copy of|Original message|Below this line)/im)[0]!;
  const failed = FAILURE_WORDS.test(`${mail.subject ?? ''}\n${text}`);
  const delayed = !failed && DELAY_WORDS.test(`${mail.subject ?? ''}\n${text}`);
  if (!failed && !delayed) return null;
  const reply = REPLY.exec(text);
  const r: RecipientStatus = { action: failed ? 'failed' : 'delayed' };
  if (reply) {
    r.diagnostic = reply[0].trim();
    r.status = reply[2] ?? `${reply[1]}.0.0`;
    // The prose decides hard or soft only when it has no reply code to go by.
    if (reply[1] === '4') r.action = 'delayed';
  }
  // The failed address is the first one in the text that is not the bounce's own sender.
  for (const line of text.split('\n')) {
    const match = ADDRESS.exec(line);
    if (match && !/mailer-daemon|postmaster/i.test(match[1]!)) {
      r.email = match[1]!.toLowerCase();
      break;
    }
  }
  return r;
}

/** The Message-ID of the original letter: from an attached message or its headers, else quoted in the text. */
function findOriginalMessageId(mail: ParsedMail): string | undefined {
  const original = mail.attachments.find((a) =>
    ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(a.contentType.toLowerCase()),
  );
  const sources = [original?.content.toString('utf8') ?? '', mail.text ?? ''];
  for (const source of sources) {
    const match = /^Message-ID:\s*(<[^>\s]+>)/im.exec(source.replace(/\r?\n[ \t]+/g, ' '));
    if (match) return match[1];
  }
  return undefined;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}

function headerAddresses(mail: ParsedMail, name: string): string[] {
  const lines = mail.headerLines.filter((h) => h.key === name).map((h) => h.line.slice(h.line.indexOf(':') + 1));
  return lines.map((l) => l.trim().replace(/^<|>$/g, '')).filter(Boolean);
}

function unique(list: string[]): string[] {
  return [...new Set(list.map((a) => a.toLowerCase()))];
}
