/**
 * A long-running command (`ui`, `register-server`, `worker`) as its own
 * process, exactly as an operator starts it: the package's bin with the
 * environment given. Keeps everything it prints, so a test can look for a
 * line (readiness, an unhandled error event) and show the tail on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN } from '../../scripts/chaos-workers.js';

export interface CliProcess {
  pid: number;
  /** Every line printed so far, stdout and stderr. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${args[0]}`);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiting: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const w of waiting.filter((w) => w.pattern.test(line))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => void stderr.push(line));
  return {
    pid: child.pid,
    stdout,
    stderr,
    line(pattern, timeoutMs = 60_000) {
      const seen = stdout.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${args[0]} printed no line matching ${pattern} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        timer.unref();
        waiting.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${args[0]} exited (${code}) before printing ${pattern}: ${stderr.slice(-5).join(' | ')}`));
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
