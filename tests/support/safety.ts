/**
 * Helpers for the safety tests: a log whose lines the test reads back, a
 * worker process writing to it, data sets dated as needed, and the counts
 * that prove nothing was enqueued or sent.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { londonDate } from '../../src/safety/staleness.js';
import { startWorkerProcess, type WorkerProcess } from '../../workers/worker-process.js';
import type { Harness } from './harness.js';

/** A pino destination that keeps every line. */
export class CapturedLog implements DestinationStream {
  readonly chunks: string[] = [];

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A worker process (both workers) logging at `level` into a CapturedLog. */
export async function startCapturedWorker(config: Config, level = 'info'): Promise<{ worker: WorkerProcess; log: CapturedLog }> {
  const log = new CapturedLog();
  const worker = startWorkerProcess(config, { log: createLogger({ level, destination: log }), echoDeliveries: false, shutdownTimeoutMs: 10_000 });
  await worker.ready;
  return { worker, log };
}

/** Rewrites the data set's campaign.json with another letter date (YYYY-MM-DD). */
export async function setLetterDate(dataDir: string, letterDate: string): Promise<void> {
  const file = join(dataDir, 'campaign.json');
  const campaign = JSON.parse(await readFile(file, 'utf8')) as { letterDate: string };
  campaign.letterDate = letterDate;
  await writeFile(file, JSON.stringify(campaign, null, 2));
}

/** Today in London, shifted by `days`, as YYYY-MM-DD. */
export function londonDay(days = 0): string {
  return londonDate(Date.now() + days * 86_400_000);
}

/** Every job in the letters queue, in any state: zero means nothing was enqueued. */
export async function letterJobCount(harness: Harness): Promise<number> {
  const counts = await harness.producer.letters.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
