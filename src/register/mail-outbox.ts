/**
 * The register server's emails go after its answer, never before: the answer
 * a visitor gets takes the same time whether an email went (a registered
 * address, a free hourly slot) or not, so its timing tells nobody whether an
 * address is registered. Each email starts once the answer has been handed
 * to the network, and then at a random moment up to half a second later, so
 * the email's own work (building and sending it) cannot be timed either, by
 * the visitor or by a request made just after. `idle` waits for the emails
 * under way (shutdown, and tests that read the inbox).
 */
import { randomInt } from 'node:crypto';

/** Where an email waits for: the answer it belongs to. */
export interface Answer {
  writableFinished: boolean;
  once(name: 'finish' | 'close', listener: () => void): unknown;
}

export interface MailOutboxOptions {
  /** The random wait after the answer, in ms: [min, max). Default [50, 500). */
  delayMs?: [number, number];
}

export class MailOutbox {
  private readonly pending = new Set<Promise<void>>();
  private readonly delayMs: [number, number];

  constructor(options: MailOutboxOptions = {}) {
    this.delayMs = options.delayMs ?? [50, 500];
  }

  /** Starts `send` after `answer` has gone, and a random wait; its failure is the task's own to handle. */
  post(answer: Answer, send: () => Promise<void>): void {
    const gone = new Promise<void>((resolve) => {
      if (answer.writableFinished) return resolve();
      answer.once('finish', resolve);
      answer.once('close', resolve);
    });
    const [min, max] = this.delayMs;
    const task = gone
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, max > min ? randomInt(min, max) : min)))
      .then(send)
      .catch(() => {});
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Resolves when every email posted so far has been sent or has failed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
