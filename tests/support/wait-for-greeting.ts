/**
 * Waits until a server just started on a loopback port greets a new
 * connection (SMTP "220", IMAP "* OK"), so a test talks to it only once it
 * is ready. Fails early, with the server's log, if its process has exited.
 */
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface GreetingWait {
  /** What the server is called in errors, e.g. "dovecot". */
  name: string;
  port: number;
  /** The greeting starts with this. */
  greeting: string;
  /** Sent before closing, so the server logs a clean goodbye (e.g. "QUIT\r\n"). */
  goodbye: string;
  child: ChildProcess | undefined;
  log(): Promise<string>;
}

export async function waitForGreeting(w: GreetingWait): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (w.child?.exitCode !== null) throw new Error(`${w.name} exited (${w.child?.exitCode})\n${await w.log()}`);
    const greeting = await new Promise<string>((resolve) => {
      const socket = connect(w.port, '127.0.0.1');
      socket.once('data', (chunk) => {
        socket.end(w.goodbye);
        resolve(chunk.toString('utf8'));
      });
      socket.once('error', () => resolve(''));
    });
    if (greeting.startsWith(w.greeting)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${w.name} did not greet on port ${w.port} within 15 s\n${await w.log()}`);
}
