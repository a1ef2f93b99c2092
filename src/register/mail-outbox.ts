/**
 * The register server's emails go after its answer, never before: the page a
 * visitor gets back takes the same time whether an email went (a registered
 * address, a free hourly slot) or not, so its timing tells nobody whether an
 * address is registered. `idle` waits for the emails under way (shutdown,
 * and tests that read the inbox).
 */
export class MailOutbox {
  private readonly pending = new Set<Promise<void>>();

  /** Starts `send` after the current request's answer; its failure is the task's own to handle. */
  post(send: () => Promise<void>): void {
    const task = new Promise<void>((resolve) => setImmediate(resolve)).then(send).catch(() => {});
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Resolves when every email posted so far has been sent or has failed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
