/**
 * The whole pipeline, as an operator runs it: validate the data directory,
 * compile and store the campaign and fan it out (what `run` does), and a
 * worker process (`annual-review-mailer worker`) rendering, claiming, sending
 * and logging every letter to the sink. The letters queue is paused during
 * the fan-out so the clock measures delivery alone, from resume to the sink
 * counting the last message; then the ledger must say every delivery is
 * `sent`, and the sink must have received each Message-ID exactly once.
 */
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { loadDataSet } from '../../src/data/load-data-set.js';
import { recipientsOf } from '../../src/domain/index.js';
import { createLogger } from '../../src/logger.js';
import { createOperations } from '../../src/operations/context.js';
import { fanOut } from '../../src/operations/fan-out.js';
import { connectProducer } from '../../src/redis.js';
import { compileLetter } from '../../src/render/letter-renderer.js';
import type { LetterJobData } from '../../src/schedule/queues.js';
import type { Ledger } from '../../src/storage/ledger.js';
import { cpuMsOf, type Sink, spawnWorker, type TreeMemory, type WorkerChild } from './children.js';
import type { BenchEnvironment } from './environment.js';

export interface Enqueued {
  prefix: string;
  campaignId: string;
  authorities: number;
  deliveries: number;
  validateMs: number;
  storeMs: number;
  fanOutMs: number;
  redis: Redis;
  letters: Queue<LetterJobData>;
  ledger: Ledger;
  close(): Promise<void>;
}

/** What `run --no-wait` does, timed step by step: validate, compile + store, fan out. */
export async function enqueue(
  env: BenchEnvironment,
  dataDir: string,
  name: string,
  options: { paused: boolean; chunkSize?: number },
): Promise<Enqueued> {
  const validateStarted = performance.now();
  const loaded = await loadDataSet(dataDir);
  const validateMs = performance.now() - validateStarted;
  if (!loaded.dataSet) throw new Error(`${dataDir}: ${loaded.problems.length} problems, e.g. ${JSON.stringify(loaded.problems[0])}`);
  const { campaign, authorities } = loaded.dataSet;
  const deliveries = authorities.reduce((n, a) => n + recipientsOf(a).length, 0);

  const prefix = env.prefix(name);
  const redis = await connectProducer(env.redisUrl);
  const ops = createOperations({
    redis,
    config: loadConfig({ REDIS_URL: env.redisUrl, QUEUE_PREFIX: prefix, SEND_ATTEMPTS: '8', BACKOFF_MS: '5000' }),
    deliveryLog: createLogger({ level: 'silent' }),
  });
  const { letters } = ops;
  const ledger = ops.storage.ledger(campaign.id);
  const close = async () => {
    await ops.close();
    await redis.quit().catch(() => redis.disconnect());
    await env.clean(prefix);
  };
  try {
    const storeStarted = performance.now();
    await ops.storage.campaigns.save({ campaign, authorities, letter: await compileLetter(campaign) });
    const storeMs = performance.now() - storeStarted;
    if (options.paused) await letters.pause();
    const fanOutStarted = performance.now();
    const fanned = await fanOut(ops, { campaignId: campaign.id, by: 'bench', chunkSize: options.chunkSize });
    const fanOutMs = performance.now() - fanOutStarted;
    if (fanned.added !== authorities.length) throw new Error(`fan-out added ${fanned.added} of ${authorities.length} jobs`);
    return {
      prefix,
      campaignId: campaign.id,
      authorities: authorities.length,
      deliveries,
      validateMs,
      storeMs,
      fanOutMs,
      redis,
      letters,
      ledger,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The worker's environment: only what an operator would set. */
export function workerEnv(
  env: BenchEnvironment,
  sink: Sink,
  prefix: string,
  concurrency: number,
  poolSize: number,
  name: string,
): Record<string, string> {
  return {
    REDIS_URL: env.redisUrl,
    SMTP_URL: sink.url,
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: String(concurrency),
    SMTP_POOL_SIZE: String(poolSize),
    DELIVERY_LOG: join(env.dir, `${name}-deliveries.log`),
    EVIDENCE_DIR: join(env.dir, `${name}-evidence`),
    LOG_LEVEL: 'info',
  };
}

export interface PipelineOptions {
  env: BenchEnvironment;
  sink: Sink;
  dataDir: string;
  /** A name for the key prefix and the worker's files. */
  name: string;
  concurrency: number;
  poolSize: number;
  /** addBulk batch size for the fan-out; default fan-out.ts's own. */
  chunkSize?: number;
  /** Write V8 CPU profiles of the worker into this directory. */
  profileDir?: string;
  /** Called every second while sending, with deliveries counted so far. */
  onProgress?: (sent: number, deliveries: number) => void;
  /** Extra environment for the worker (experiments, e.g. LOG_LEVEL). */
  workerEnv?: Record<string, string>;
  /** Also time delivery after this many letters (steady state, without start-up and JIT warm-up). */
  warmup?: number;
  /** Extra node flags for the worker (experiments, e.g. --trace-gc). */
  nodeFlags?: string[];
  /** Experiments: a module to run instead of the bin (see spawnWorker). */
  workerEntry?: string;
  /** Called once the worker is ready, before the queue is resumed (to attach strace, say). */
  onWorkerReady?: (worker: WorkerChild) => Promise<void> | void;
  /** Also sample the worker's whole process tree (the Chromium it prints PDFs in) every second. */
  treeMemory?: boolean;
}

export interface PipelineResult {
  authorities: number;
  deliveries: number;
  validateMs: number;
  storeMs: number;
  fanOutMs: number;
  fanOutJobsPerSecond: number;
  workerReadyMs: number;
  deliverMs: number;
  lettersPerSecond: number;
  /** Letters after the first `warmup` ones, and the time they took (0 without a warm-up). */
  steadyLetters: number;
  steadyMs: number;
  /** CPU per letter while delivering, ms: the worker, Redis and the sink (load on the machine does not inflate these). */
  cpuMsPerLetter: { worker: number; redis: number | null; sink: number };
  workerPeakRssMb: number;
  workerRssSamplesMb: number[];
  /** The worker with its Chromium, when `treeMemory` was asked for. */
  workerTreeMemory: TreeMemory | null;
  sinkDistinct: number;
  ledgerSent: number;
  failedJobs: number;
  concurrency: number;
  poolSize: number;
}

export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const q = await enqueue(o.env, o.dataDir, o.name, { paused: true, chunkSize: o.chunkSize });
  let worker: WorkerChild | undefined;
  try {
    // One profile per thread lands in the directory (tsx runs its loader on a thread of its own).
    const nodeFlags = [...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : []), ...(o.nodeFlags ?? [])];
    worker = await spawnWorker({
      env: { ...workerEnv(o.env, o.sink, q.prefix, o.concurrency, o.poolSize, o.name), ...o.workerEnv },
      nodeFlags,
      entry: o.workerEntry,
      treeMemory: o.treeMemory,
      logFile: join(o.env.dir, `${o.name}-worker.log`),
      // Above info the worker prints no `worker.ready`; ask Redis instead.
      isReady:
        o.workerEnv?.LOG_LEVEL && !['info', 'debug', 'trace'].includes(o.workerEnv.LOG_LEVEL)
          ? async () => (await q.letters.getWorkersCount()) > 0
          : undefined,
    });

    await o.onWorkerReady?.(worker);
    o.sink.reset();
    const progress = o.onProgress
      ? setInterval(() => void q.ledger.counts().then((c) => o.onProgress?.(c.sent, q.deliveries)), 1000)
      : undefined;
    const redisPid = o.env.redisPid;
    const sinkBefore = await o.sink.stats();
    const cpuBefore = { worker: cpuMsOf(worker.pid), redis: redisPid ? cpuMsOf(redisPid) : NaN };
    const warmup = o.warmup && o.warmup < q.deliveries ? o.warmup : 0;
    const warmedAt = warmup ? o.sink.reached(warmup) : Promise.resolve(0);
    const startedAt = Date.now();
    await q.letters.resume();
    const reachedAt = await o.sink.reached(q.deliveries);
    const cpuAfter = { worker: cpuMsOf(worker.pid), redis: redisPid ? cpuMsOf(redisPid) : NaN };
    const sinkAfter = await o.sink.stats();
    if (progress) clearInterval(progress);
    const deliverMs = reachedAt - startedAt;
    const perLetter = (ms: number) => ms / q.deliveries;
    const cpuMsPerLetter = {
      worker: perLetter(cpuAfter.worker - cpuBefore.worker),
      redis: redisPid ? perLetter(cpuAfter.redis - cpuBefore.redis) : null,
      sink: perLetter(sinkAfter.cpuMs - sinkBefore.cpuMs),
    };

    // Every job completed, every delivery recorded as sent, nothing sent twice.
    for (;;) {
      const jobs = await q.letters.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      if (Object.values(jobs).every((n) => n === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const counts = await q.ledger.counts();
    const failedJobs = (await q.letters.getJobCounts('failed')).failed ?? 0;
    const stats = await o.sink.stats();
    await worker.stop();
    const memory = worker.memory();
    return {
      authorities: q.authorities,
      deliveries: q.deliveries,
      validateMs: q.validateMs,
      storeMs: q.storeMs,
      fanOutMs: q.fanOutMs,
      fanOutJobsPerSecond: (q.authorities * 1000) / q.fanOutMs,
      workerReadyMs: worker.readyMs,
      deliverMs,
      lettersPerSecond: (q.deliveries * 1000) / deliverMs,
      steadyLetters: warmup ? q.deliveries - warmup : 0,
      steadyMs: warmup ? reachedAt - (await warmedAt) : 0,
      cpuMsPerLetter,
      workerPeakRssMb: memory.peakRssMb,
      workerRssSamplesMb: memory.samples,
      workerTreeMemory: worker.treeMemory(),
      sinkDistinct: stats.distinct,
      ledgerSent: counts.sent,
      failedJobs,
      concurrency: o.concurrency,
      poolSize: o.poolSize,
    };
  } finally {
    await worker?.stop();
    await q.close();
  }
}
