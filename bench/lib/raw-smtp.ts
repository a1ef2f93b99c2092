/**
 * A minimal SMTP client for measuring the sink's own ceiling: prebuilt,
 * dot-stuffed messages over many long-lived connections, the envelope and
 * DATA pipelined (RFC 2920), no MIME work at all. Not for sending real mail.
 */
import { connect, type Socket } from 'node:net';

interface Waiter {
  resolve: (reply: string) => void;
  reject: (error: Error) => void;
}

class Connection {
  private buffered = '';
  private readonly waiters: Waiter[] = [];
  private readonly socket: Socket;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => this.onData(chunk));
    this.socket.on('error', (error) => {
      for (const w of this.waiters.splice(0)) w.reject(error);
    });
  }

  /** Resolves with the next complete reply (multi-line replies joined). */
  reply(): Promise<string> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }

  private lines: string[] = [];

  private onData(chunk: string): void {
    this.buffered += chunk;
    let end = this.buffered.indexOf('\r\n');
    while (end !== -1) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      this.lines.push(line);
      if (line.charAt(3) !== '-') {
        const reply = this.lines.join('\n');
        this.lines = [];
        this.waiters.shift()?.resolve(reply);
      }
      end = this.buffered.indexOf('\r\n');
    }
  }
}

function expect(reply: string, code: string): void {
  if (!reply.startsWith(code)) throw new Error(`expected ${code}, got ${reply}`);
}

/** Dot-stuffs a message and ends it with CRLF "." CRLF, once, ahead of the timed part. */
export function prepareForData(message: Buffer): Buffer {
  let text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  text = (text.startsWith('.') ? '.' : '') + text.replace(/\r\n\./g, '\r\n..');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(`${text}.\r\n`, 'latin1');
}

export interface BlastResult {
  sent: number;
  startedAt: number;
}

/**
 * Sends `total` messages, cycling through `messages` (already passed
 * through prepareForData), over `connections` connections. Resolves once
 * every message has its 250.
 */
export async function blast(
  url: string,
  messages: Buffer[],
  total: number,
  connections: number,
  onStart: (startedAt: number) => void,
): Promise<BlastResult> {
  const { hostname, port } = new URL(url);
  const pool: Connection[] = [];
  // Connect and greet first: the sink's greeting delay is not part of its throughput.
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new Connection(hostname, Number(port));
      expect(await c.reply(), '220');
      c.write('EHLO bench.localhost\r\n');
      expect(await c.reply(), '250');
      pool.push(c);
    }),
  );
  let next = 0;
  const startedAt = Date.now();
  onStart(startedAt);
  await Promise.all(
    pool.map(async (c) => {
      while (next < total) {
        const i = next++;
        c.write(`MAIL FROM:<bench@example.org>\r\nRCPT TO:<r${i}@example.org>\r\nDATA\r\n`);
        const [mail, rcpt, data] = [c.reply(), c.reply(), c.reply()];
        expect(await mail, '250');
        expect(await rcpt, '250');
        expect(await data, '354');
        c.write(messages[i % messages.length]!);
        expect(await c.reply(), '250');
      }
    }),
  );
  for (const c of pool) c.close();
  return { sent: total, startedAt };
}
