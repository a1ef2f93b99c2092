/**
 * Figure 5, cold start: `node bin/annual-review-mailer.js worker`, from spawn
 * to its `worker.ready` log line (connected to Redis, waiting for jobs),
 * against `node -e 0` (spawn to exit) in the same run. Also, with one
 * authority's job already waiting, spawn to the sink receiving that
 * authority's last letter: ready, then campaign load, render, claim, the SMTP
 * pool's first connection (smtp-server greets after 100 ms) and send.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Sink, spawnWorker } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { enqueue, workerEnv } from './lib/pipeline.js';
import { type FigureResult, fmt, median, passMark } from './lib/report.js';

export interface ColdStartOptions {
  env: BenchEnvironment;
  sink: Sink;
  /** Measured starts of each kind (after one unmeasured warm-up each). */
  runs: number;
  concurrency: number;
  poolSize: number;
}

const TARGET_MS = 1000;

async function nodeBaselineMs(): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('exit', () => resolve());
    child.once('error', reject);
  });
  return performance.now() - started;
}

export async function coldStartFigure(o: ColdStartOptions): Promise<FigureResult> {
  const baseline: number[] = [];
  const ready: number[] = [];
  const prefix = o.env.prefix('cold-start');
  for (let i = 0; i <= o.runs; i++) {
    baseline.push(await nodeBaselineMs());
    const worker = await spawnWorker({
      env: workerEnv(o.env, o.sink, prefix, o.concurrency, o.poolSize, `cold-start-${i}`),
      logFile: join(o.env.dir, `cold-start-${i}-worker.log`),
    });
    await worker.stop();
    // The first start reads every module from a cold page cache; it is reported, not counted.
    ready.push(worker.readyMs);
  }
  await o.env.clean(prefix);
  const firstStartMs = ready.shift()!;
  baseline.shift(); // the first spawn of node pays for cold page cache too

  // One authority's letters waiting before the worker starts.
  const data = await o.env.dataSet(1);
  const job = await enqueue(o.env, data.dir, 'cold-first-letter', { paused: false });
  let firstLetterMs: number;
  try {
    o.sink.reset();
    const reached = o.sink.reached(job.deliveries);
    const worker = await spawnWorker({
      env: workerEnv(o.env, o.sink, job.prefix, o.concurrency, o.poolSize, 'cold-first-letter'),
      logFile: join(o.env.dir, 'cold-first-letter-worker.log'),
    });
    firstLetterMs = (await reached) - worker.spawnedAt;
    await worker.stop();
  } finally {
    await job.close();
  }

  const readyMs = median(ready);
  const nodeMs = median(baseline);
  const pass = readyMs <= TARGET_MS;
  const lines = [
    `bench cold start: worker ready ${fmt(readyMs)} ms after spawn vs ${fmt(nodeMs)} ms for \`node -e 0\` (${(readyMs / nodeMs).toFixed(1)}x; target <= ${TARGET_MS} ms; median of ${o.runs}, first start ${fmt(firstStartMs)} ms); a waiting authority's ${job.deliveries} letters at the sink ${fmt(firstLetterMs)} ms after spawn${passMark(pass)}`,
  ];
  return {
    figure: 'cold-start',
    lines,
    pass,
    data: {
      readyMs,
      readyRunsMs: ready,
      firstStartMs,
      nodeBaselineMs: nodeMs,
      nodeRunsMs: baseline,
      firstLetterMs,
      firstLetterDeliveries: job.deliveries,
      target: TARGET_MS,
    },
  };
}
