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
 *
 * What arrives is anyone's, so every step here is linear in its input: no
 * regular expression with overlapping quantifiers runs over its text (one
 * did, and a 208 KB line without '@' held the process for 57 s), the prose
 * is read only in its first PROSE_CHARS characters, and mailparser's own limits refuse a
 * header block past HEAD_BYTES or more than 1000 parts. What mailparser
 * refuses is `unreadable`: no retry will make it readable.
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
  | 'unrecognised'
  /** Not a message mailparser can read (a header block too large, too many parts): `problem` says why. */
  | 'unreadable';

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
  /** For `unreadable`: mailparser's reason. */
  problem?: string;
}

/** Of the text, the characters the prose reader looks at: a bounce's own words come first, and are short. */
const PROSE_CHARS = 64 * 1024;
/** mailparser's limit on one part's header block (its default is 1 MiB); a bounce's are a few KB. */
const HEAD_BYTES = 256 * 1024;
/** HTML longer than this is not turned into text (html-to-text is the slowest step on a large part). */
const HTML_TO_TEXT_BYTES = 512 * 1024;
/** Longest diagnostic kept: it goes into the ledger and onto the console. */
const DIAGNOSTIC_CHARS = 1000;
/** Longest address (RFC 5321's path limit) and Message-ID (a header line) taken from the text. */
const ADDRESS_CHARS = 254;
const MESSAGE_ID_CHARS = 998;

/** Parses one received message. `envelopeTo` are the SMTP RCPT TO addresses, when it came over SMTP. */
export async function parseBounce(raw: Buffer | string, envelopeTo: readonly string[] = []): Promise<ParsedBounce> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, {
      keepDeliveryStatus: true,
      skipHtmlToText: false,
      maxHtmlLengthToParse: HTML_TO_TEXT_BYTES,
      maxHeadSize: HEAD_BYTES,
      // Nothing here reads the HTML rendering of the text, its links or inlined images: not made at all.
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      keepCidLinks: true,
    });
  } catch (error) {
    return { kind: 'unreadable', recipients: [], sentTo: [...envelopeTo], subject: '', from: '', problem: (error as Error).message };
  }
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
  // The first block is about the message (Reporting-MTA, ...); the rest, one per recipient.
  return fieldBlocks(text)
    .filter((f) => f.has('final-recipient') || f.has('action'))
    .map((f) => {
      const r: RecipientStatus = {};
      const email = f.get('final-recipient') ?? f.get('original-recipient');
      if (email) r.email = typeValue(email).toLowerCase();
      if (f.has('action')) r.action = f.get('action')!.toLowerCase();
      const status = /\d\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '');
      if (status) r.status = status[0];
      if (f.has('diagnostic-code')) r.diagnostic = clip(f.get('diagnostic-code')!.replace(/\s+/g, ' '));
      return r;
    });
}

const FIELD_NAME = /^[a-z][a-z0-9-]*$/;

/** Blocks of "Name: value" lines, folded lines joined, the first of a repeated name kept: one pass over the lines. */
function fieldBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = [];
  let block = new Map<string, string>();
  let folding: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (block.size > 0) blocks.push(block);
      block = new Map();
      folding = undefined;
    } else if (line[0] === ' ' || line[0] === '\t') {
      if (folding !== undefined) block.set(folding, `${block.get(folding)} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
      folding = FIELD_NAME.test(name) && !block.has(name) ? name : undefined;
      if (folding !== undefined) block.set(folding, line.slice(colon + 1).trim());
    }
  }
  if (block.size > 0) blocks.push(block);
  return blocks;
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
// No overlapping quantifiers: `[^\n]*` is the last thing it matches, so a failed try costs a few characters.
const REPLY = /\b([45])\d\d[ -](?:([45]\.\d{1,3}\.\d{1,3})\s)?[^\n]*/;

/** A plain-text bounce: the failure words, a server reply, and the address it failed for. */
function readProse(mail: ParsedMail): RecipientStatus | null {
  // Only the bounce's own words: a quoted original follows a marker line and may say anything.
  const text = (mail.text ?? '').slice(0, PROSE_CHARS).split(/^-+ ?(This is a copy of|Original message|Below this line)/im)[0]!;
  const subject = (mail.subject ?? '').slice(0, PROSE_CHARS);
  const failed = FAILURE_WORDS.test(`${subject}\n${text}`);
  const delayed = !failed && DELAY_WORDS.test(`${subject}\n${text}`);
  if (!failed && !delayed) return null;
  const reply = REPLY.exec(text);
  const r: RecipientStatus = { action: failed ? 'failed' : 'delayed' };
  if (reply) {
    r.diagnostic = clip(reply[0].trim());
    r.status = reply[2] ?? `${reply[1]}.0.0`;
    // The prose decides hard or soft only when it has no reply code to go by.
    if (reply[1] === '4') r.action = 'delayed';
  }
  // The failed address is the first one in the text that is not the bounce's own sender.
  for (const line of text.split('\n')) {
    const email = addressesIn(line).find((a) => !/mailer-daemon|postmaster/i.test(a));
    if (email) {
      r.email = email;
      break;
    }
  }
  return r;
}

/**
 * The addresses in a line, lower-case, in order: what
 * /([a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,})/gi would find, in one pass. That
 * expression backtracks over every start of a long run with no '@' in it
 * (quadratic: a 208 KB line took 57 s); here each character is looked at a
 * bounded number of times. Longer than an address may be: skipped.
 */
export function addressesIn(line: string): string[] {
  const found: string[] = [];
  for (let at = line.indexOf('@'); at >= 0; at = line.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && isLocalChar(line.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    // The domain: the longest run of [a-z0-9.-] that ends in "." and two or more letters.
    let end = -1;
    let letters = 0;
    let afterDot = false;
    for (let i = at + 1; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === DOT) {
        afterDot = i > at + 1;
        letters = 0;
      } else if (isLetter(c)) {
        letters++;
        if (afterDot && letters >= 2) end = i + 1;
      } else if (isDigit(c) || c === HYPHEN) {
        afterDot = false;
        letters = 0;
      } else break;
    }
    if (end > 0 && end - start <= ADDRESS_CHARS) found.push(line.slice(start, end).toLowerCase());
  }
  return found;
}

const DOT = 0x2e;
const HYPHEN = 0x2d;
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** [a-z0-9._%+'-] */
const isLocalChar = (c: number) =>
  isLetter(c) || isDigit(c) || c === DOT || c === HYPHEN || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x27;

function clip(text: string): string {
  return text.length > DIAGNOSTIC_CHARS ? `${text.slice(0, DIAGNOSTIC_CHARS)}…` : text;
}

/** The Message-ID of the original letter: from an attached message or its headers, else quoted in the text. */
function findOriginalMessageId(mail: ParsedMail): string | undefined {
  const original = mail.attachments.find((a) =>
    ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(a.contentType.toLowerCase()),
  );
  const sources = [original?.content.toString('utf8') ?? '', mail.text ?? ''];
  for (const source of sources) {
    const match = /^Message-ID:\s*(<[^>\s]+>)/im.exec(source.replace(/\r?\n[ \t]+/g, ' '));
    // Ours are short; a longer one is no letter of ours.
    if (match && match[1]!.length <= MESSAGE_ID_CHARS) return match[1];
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
