/**
 * Figure 4, scale: a generated data set (100,000 authorities by default,
 * about 300,000 deliveries) validated, stored, fanned out (addBulk in chunks)
 * and delivered to the sink by one worker process, whose resident memory is
 * sampled from /proc every second and whose peak (VmHWM) must stay under
 * 300 MB. Throughput is compared with the 1,000-authority e2e run.
 */
import type { Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { runPipeline } from './lib/pipeline.js';
import { fmt, passMark, type FigureResult } from './lib/report.js';

export interface ScaleOptions {
  env: BenchEnvironment;
  sink: Sink;
  authorities: number;
  concurrency: number;
  poolSize: number;
  chunkSize?: number;
  /** letters/s of the e2e pipeline in this run, the figure to stay within 15% of. */
  e2eLettersPerSecond: number;
  e2eAuthorities: number;
  /** Progress on stderr while delivering (it takes minutes). */
  progress: boolean;
}

const TARGETS = { validateMs: 2000, fanOutJobsPerSecond: 10_000, peakRssMb: 300, throughputShare: 0.85 };

export async function scaleFigure(o: ScaleOptions): Promise<FigureResult> {
  const data = await o.env.dataSet(o.authorities);
  let last = 0;
  const result = await runPipeline({
    env: o.env,
    sink: o.sink,
    dataDir: data.dir,
    name: `scale-${o.authorities}`,
    concurrency: o.concurrency,
    poolSize: o.poolSize,
    chunkSize: o.chunkSize,
    onProgress: o.progress
      ? (sent, deliveries) => {
          const now = Date.now();
          if (now - last >= 15_000) {
            last = now;
            process.stderr.write(`  scale: ${sent}/${deliveries} sent\n`);
          }
        }
      : undefined,
  });
  const share = result.lettersPerSecond / o.e2eLettersPerSecond;
  const checks = {
    validate: result.validateMs < TARGETS.validateMs,
    fanOut: result.fanOutJobsPerSecond >= TARGETS.fanOutJobsPerSecond,
    memory: result.workerPeakRssMb < TARGETS.peakRssMb,
    throughput: share >= TARGETS.throughputShare,
  };
  const problems: string[] = [];
  if (result.sinkDistinct !== result.deliveries) problems.push(`sink got ${result.sinkDistinct} distinct messages for ${result.deliveries} deliveries`);
  if (result.ledgerSent !== result.deliveries) problems.push(`ledger has ${result.ledgerSent} sent of ${result.deliveries}`);
  if (result.failedJobs > 0) problems.push(`${result.failedJobs} failed jobs`);

  const n = result.authorities.toLocaleString('en-GB');
  const samples = result.workerRssSamplesMb;
  const lines = [
    `bench scale validate: ${n} authorities in ${fmt(result.validateMs / 1000)} s (target < ${TARGETS.validateMs / 1000} s; generated in ${fmt(data.generateMs / 1000)} s)${passMark(checks.validate)}`,
    `bench scale fan-out: ${fmt(result.fanOutJobsPerSecond)} jobs/s (${n} jobs + ${result.deliveries.toLocaleString('en-GB')} ledger records in ${fmt(result.fanOutMs / 1000)} s; target >= ${TARGETS.fanOutJobsPerSecond.toLocaleString('en-GB')}; campaign stored in ${fmt(result.storeMs / 1000)} s)${passMark(checks.fanOut)}`,
    `bench scale deliver: ${fmt(result.lettersPerSecond)} letters/s vs ${fmt(o.e2eLettersPerSecond)} at ${o.e2eAuthorities.toLocaleString('en-GB')} authorities (${share.toFixed(2)}; target >= ${TARGETS.throughputShare}) - ${result.deliveries.toLocaleString('en-GB')} letters in ${fmt(result.deliverMs / 60_000)} min${passMark(checks.throughput)}`,
    `bench scale memory: worker peak RSS ${Math.round(result.workerPeakRssMb)} MB vs 300 MB limit (${(result.workerPeakRssMb / TARGETS.peakRssMb).toFixed(2)}); RSS first/middle/last ${samples[0]}/${samples[Math.floor(samples.length / 2)]}/${samples[samples.length - 1]} MB${passMark(checks.memory)}`,
  ];
  return {
    figure: 'scale',
    lines,
    pass: Object.values(checks).every(Boolean) && problems.length === 0,
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    data: { ...result, generateMs: data.generateMs, throughputShare: share, e2eLettersPerSecond: o.e2eLettersPerSecond, targets: TARGETS, checks },
  };
}
