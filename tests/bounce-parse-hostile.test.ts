/**
 * The bounce parser on what an attacker sends: anyone can write to the bounce
 * address, and the IMAP reader feeds the same parser. Long lines, runs that
 * backtracking regular expressions choke on, random MIME; and what mailparser
 * refuses is `unreadable`, never an exception.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../scripts/prng.js';
import { addressesIn, parseBounce } from '../src/bounce/parse-bounce.js';

const MB = 1_000_000;

function message(headers: string, body: string): Buffer {
  return Buffer.from(`${headers.replace(/\r?\n/g, '\r\n')}\r\n\r\n${body}`);
}

const DAEMON = 'From: Mail Delivery System <mailer-daemon@mx.example>\nTo: bounces@ombudsman.example\nSubject: Mail delivery failed';

/** Quoted-printable with soft line breaks: the decoded text is one long line. */
function quotedPrintable(text: string): string {
  return (text.match(/.{1,75}/gs) ?? []).join('=\r\n');
}

function report(statusBlock: string): Buffer {
  return message(
    `${DAEMON}\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"`,
    `--b\r\nContent-Type: text/plain\r\n\r\nDelivery has failed.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n${statusBlock}\r\n--b--\r\n`,
  );
}

/** Each a message with a line of a megabyte (or a header block near mailparser's limit) shaped against one step of the parser. */
const LONG_LINES: Record<string, () => Buffer> = {
  "plain text, a line without '@'": () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `A message could not be delivered.\r\n${'a'.repeat(MB)}\r\n`),
  "quoted-printable, a line without '@' (the 57-second message, five times longer)": () =>
    message(
      `${DAEMON}\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable`,
      `A message could not be delivered.\r\n${quotedPrintable('a'.repeat(MB))}\r\n`,
    ),
  'a local part a megabyte long, then an @ and a domain with no top level': () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n${'a'.repeat(MB / 2)}@${'b'.repeat(MB / 2)}\r\n`),
  "'a@' over and over": () => message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n${'a@'.repeat(MB / 2)}\r\n`),
  "'a.b@c.' over and over": () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n${'a.b@c.'.repeat(MB / 6)}\r\n`),
  'a line of dashes (the quoted-original marker)': () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n${'-'.repeat(MB)}\r\n`),
  'reply codes over and over': () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n${'550-'.repeat(MB / 4)}\r\n`),
  'a delivery-status field of spaces ending in a lone carriage return': () =>
    report(`Final-Recipient: rfc822; a@b.example\r\nAction:${' '.repeat(MB)}\rfailed\r\nStatus: 5.1.1\r\n`),
  'a delivery-status Diagnostic-Code a megabyte long': () =>
    report(`Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; ${'x '.repeat(MB / 2)}\r\n`),
  'a delivery-status part of folded lines': () =>
    report(
      `Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp;${'\r\n x'.repeat(MB / 4)}\r\n`,
    ),
  "a quoted Message-ID with no '>'": () =>
    message(`${DAEMON}\nContent-Type: text/plain`, `could not be delivered\r\n\r\nMessage-ID: <${'a'.repeat(MB)}\r\n`),
  'a To header of 100,000 addresses': () =>
    message(`From: x@y.example\nTo: ${'a@b.example,'.repeat(20_000)}\nSubject: Undeliverable`, 'could not be delivered'),
  'HTML only, a megabyte of it': () =>
    message(`${DAEMON}\nContent-Type: text/html`, `<p>Delivery has failed</p>${'<p>a</p>'.repeat(MB / 8)}`),
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABC0123456789@@..--__++%%\'  \t<>:;=,"()[]\\/-';

/** A random message: nested multiparts, reports, encodings, headers and text drawn to look like what the parser reads. */
function randomMime(random: () => number, budget: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const text = (length: number) => {
    let out = '';
    while (out.length < length) {
      const r = random();
      if (r < 0.05) out += '\r\n';
      else if (r < 0.08)
        out += pick(['could not be delivered', '550 5.1.1 ', 'Action: failed', 'Message-ID: <', 'Final-Recipient: rfc822;', '--']);
      else if (r < 0.1) out += pick(['a'.repeat(5000), '@'.repeat(500), ' '.repeat(5000), '-'.repeat(3000)]);
      else out += pick([...ALPHABET]);
    }
    return out;
  };
  const part = (depth: number, size: number): string => {
    const kind = depth > 4 ? 'leaf' : pick(['leaf', 'leaf', 'multipart', 'report']);
    const headers = [
      random() < 0.5 ? `Subject: ${text(Math.floor(random() * 200))}`.replace(/\r\n/g, ' ') : '',
      random() < 0.3 ? `X-Failed-Recipients: ${text(40)}`.replace(/\r\n/g, ' ') : '',
    ].filter(Boolean);
    if (kind === 'leaf') {
      const type = pick([
        'text/plain',
        'text/html',
        'message/delivery-status',
        'message/rfc822',
        'text/rfc822-headers',
        'application/octet-stream',
      ]);
      const encoding = pick(['7bit', '8bit', 'quoted-printable', 'base64', 'x-unknown']);
      let body = text(size);
      if (encoding === 'base64' && random() < 0.7) body = Buffer.from(body).toString('base64').replace(/.{76}/g, '$&\r\n');
      if (encoding === 'quoted-printable') body = quotedPrintable(body);
      return `${headers.join('\r\n')}${headers.length ? '\r\n' : ''}Content-Type: ${type}; charset=${pick(['utf-8', 'us-ascii', 'x-nonsense', 'iso-8859-1'])}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
    }
    const boundary = `b${depth}${Math.floor(random() * 1e6)}`;
    const count = 1 + Math.floor(random() * 4);
    const children = Array.from({ length: count }, () => part(depth + 1, Math.floor(size / count)));
    const type = kind === 'report' ? 'multipart/report; report-type=delivery-status' : pick(['multipart/mixed', 'multipart/alternative']);
    // Now and then a broken structure: a missing closing boundary, or a boundary that never appears.
    const close = random() < 0.8 ? `\r\n--${boundary}--\r\n` : '';
    const used = random() < 0.9 ? boundary : 'nowhere';
    return `${headers.join('\r\n')}${headers.length ? '\r\n' : ''}Content-Type: ${type}; boundary="${boundary}"\r\n\r\n${children.map((c) => `--${used}\r\n${c}`).join('\r\n')}${close}`;
  };
  return `From: ${pick(['Mailer-Daemon@mx.example', text(30).replace(/\r\n/g, ' ')])}\r\nTo: bounces@ombudsman.example\r\n${part(0, budget)}`;
}

describe('the bounce parser under hostile input', () => {
  // The one timed assertion here, and a generous one: before, a 208 KB line took 57 s (21 s on a quiet machine),
  // and a megabyte, by its quadratic growth, some nine minutes. Each parse is timed alone, by the CPU this process
  // spent on it (not the clock, which a shared machine's other work stretches), so a busy neighbour does not fail it.
  it('parses each 1 MB line and each of 40 random MIME messages (up to 1 MB) within a second of CPU', async () => {
    const slow: string[] = [];
    const timed = async (name: string, raw: Buffer) => {
      const started = process.cpuUsage();
      const parsed = await parseBounce(raw);
      const used = process.cpuUsage(started);
      const ms = (used.user + used.system) / 1000;
      if (ms >= 1000) slow.push(`${name}: ${Math.round(ms)} ms of CPU`);
      return parsed;
    };
    for (const [name, make] of Object.entries(LONG_LINES)) await timed(name, make());
    const random = prng(20_231);
    for (let i = 0; i < 40; i++) await timed(`random MIME #${i}`, Buffer.from(randomMime(random, Math.floor(random() * MB))));
    expect(slow).toEqual([]);
  }, 120_000);

  it('still reads the address and the reply out of a plain-text bounce whose next line is a megabyte without "@"', async () => {
    const parsed = await parseBounce(
      message(
        `${DAEMON}\nContent-Type: text/plain`,
        `could not be delivered to\r\n  chief.exec@beta.example.org\r\n550 5.1.1 user unknown\r\n${'a'.repeat(MB)}\r\n`,
      ),
    );
    expect(parsed).toMatchObject({
      kind: 'failed',
      recipients: [{ email: 'chief.exec@beta.example.org', status: '5.1.1', diagnostic: '550 5.1.1 user unknown' }],
    });
  });

  it('cuts a diagnostic a megabyte long to 1000 characters', async () => {
    const parsed = await parseBounce(LONG_LINES['a delivery-status Diagnostic-Code a megabyte long']!());
    expect(parsed.kind).toBe('failed');
    expect(parsed.recipients[0]!.diagnostic!.length).toBe(1001);
    expect(parsed.recipients[0]!.diagnostic).toMatch(/^smtp; x x .*…$/);
  });

  it('calls a message with more than 1000 parts, or a header block over 256 KB, unreadable, saying why, and throws for neither', async () => {
    const parts = message(
      'From: x@y.example\nContent-Type: multipart/mixed; boundary="b"',
      `${'--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(1001)}--b--\r\n`,
    );
    expect(await parseBounce(parts, ['bounces@ombudsman.example'])).toMatchObject({
      kind: 'unreadable',
      problem: expect.stringMatching(/child nodes/),
      sentTo: ['bounces@ombudsman.example'],
    });
    const head = message(`From: x@y.example\nSubject: ${'a'.repeat(300_000)}`, 'x');
    expect(await parseBounce(head)).toMatchObject({ kind: 'unreadable', problem: expect.stringMatching(/header size/) });
  });
});

describe('finding addresses in a line without backtracking', () => {
  // The expression the prose reader used: right on short lines, quadratic on long ones.
  const OLD = /<?([a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,})>?/i;

  it('finds the first address the old expression found, on 20,000 random short lines', () => {
    const random = prng(42);
    const alphabet = "aZ09._%+'-@@..-<> x:";
    for (let i = 0; i < 20_000; i++) {
      const line = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(addressesIn(line)[0], JSON.stringify(line)).toBe(OLD.exec(line)?.[1]?.toLowerCase());
    }
  });

  it('skips a run longer than an address may be (254 characters)', () => {
    expect(addressesIn(`${'a'.repeat(250)}@example.org and then ok@example.org`)).toEqual(['ok@example.org']);
  });
});
