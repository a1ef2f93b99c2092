/**
 * Figure 4, scale: a generated data set (100,000 authorities, about 300,000
 * deliveries) validated, stored and fanned out (addBulk in chunks), and
 * delivered to the sink by one worker process, whose resident memory is
 * sampled from /proc every second and whose peak (VmHWM) must stay under
 * 300 MB. Throughput is compared with the 1,000-authority e2e run.
 *
 * Delivering 300,000 letters takes longer than a default bench should, so by
 * default the 100,000-authority set is validated and fanned out only (its
 * jobs are then deleted), and delivery is measured on 10,000 authorities;
 * `--full` delivers all 100,000. Validation and fan-out of the 100,000 take
 * 10-15 s a round and vary by 20% from round to round on a shared 2-core
 * machine, so they are measured in `rounds` rounds and the median is the
 * figure (each round's is in the JSON).
 */
import type { Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { enqueue, type PipelineResult, runPipeline } from './lib/pipeline.js';
import { type FigureResult, fmt, median, passMark } from './lib/report.js';

export interface ScaleOptions {
  env: BenchEnvironment;
  sink: Sink;
  /** Authorities validated and fanned out. */
  authorities: number;
  /** Authorities delivered; when fewer than `authorities`, a separate data set of this size. */
  deliverAuthorities: number;
  concurrency: number;
  poolSize: number;
  chunkSize?: number;
  /** Rounds of validation and fan-out of the full-size set (when it is not also the delivered one). */
  rounds: number;
  /** letters/s of the e2e pipeline in this run, the figure to stay within 15% of. */
  e2eLettersPerSecond: number;
  e2eAuthorities: number;
  /** Progress on stderr while delivering (it takes minutes). */
  progress: boolean;
}

const TARGETS = { validateMs: 2000, fanOutJobsPerSecond: 10_000, peakRssMb: 300, throughputShare: 0.85 };

export async function scaleFigure(o: ScaleOptions): Promise<FigureResult> {
  const data = await o.env.dataSet(o.authorities);
  // Validated and fanned out at full size; delivered either at full size or on a smaller set.
  type Sized = Pick<PipelineResult, 'authorities' | 'deliveries' | 'validateMs' | 'storeMs' | 'fanOutMs' | 'fanOutJobsPerSecond'>;
  let sized: Sized | undefined;
  const rounds: Sized[] = [];
  if (o.deliverAuthorities < o.authorities) {
    for (let round = 1; round <= o.rounds; round++) {
      const q = await enqueue(o.env, data.dir, `scale-fan-out-${o.authorities}-${round}`, { paused: true, chunkSize: o.chunkSize });
      await q.close();
      const { authorities, deliveries, validateMs, storeMs, fanOutMs } = q;
      rounds.push({ authorities, deliveries, validateMs, storeMs, fanOutMs, fanOutJobsPerSecond: (authorities * 1000) / fanOutMs });
    }
    const fanOutMs = median(rounds.map((r) => r.fanOutMs));
    sized = {
      authorities: rounds[0]!.authorities,
      deliveries: rounds[0]!.deliveries,
      validateMs: median(rounds.map((r) => r.validateMs)),
      storeMs: median(rounds.map((r) => r.storeMs)),
      fanOutMs,
      fanOutJobsPerSecond: (rounds[0]!.authorities * 1000) / fanOutMs,
    };
  }
  const range = (values: number[], unit: (x: number) => string) =>
    rounds.length > 1 ? `; median of ${rounds.length}, ${unit(Math.min(...values))}-${unit(Math.max(...values))}` : '';
  const deliverData = sized ? await o.env.dataSet(o.deliverAuthorities) : data;
  let last = 0;
  const result = await runPipeline({
    env: o.env,
    sink: o.sink,
    dataDir: deliverData.dir,
    name: `scale-${o.deliverAuthorities}`,
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
  const big = sized ?? result;
  const share = result.lettersPerSecond / o.e2eLettersPerSecond;
  const checks = {
    validate: big.validateMs < TARGETS.validateMs,
    fanOut: big.fanOutJobsPerSecond >= TARGETS.fanOutJobsPerSecond,
    memory: result.workerPeakRssMb < TARGETS.peakRssMb,
    throughput: share >= TARGETS.throughputShare,
  };
  const problems: string[] = [];
  if (result.sinkDistinct !== result.deliveries)
    problems.push(`sink got ${result.sinkDistinct} distinct messages for ${result.deliveries} deliveries`);
  if (result.ledgerSent !== result.deliveries) problems.push(`ledger has ${result.ledgerSent} sent of ${result.deliveries}`);
  if (result.failedJobs > 0) problems.push(`${result.failedJobs} failed jobs`);

  const n = (x: number) => x.toLocaleString('en-GB');
  const samples = result.workerRssSamplesMb;
  const lines = [
    `bench scale validate: ${n(big.authorities)} authorities in ${fmt(big.validateMs / 1000)} s (target < ${TARGETS.validateMs / 1000} s${range(
      rounds.map((r) => r.validateMs / 1000),
      (x) => `${fmt(x)} s`,
    )}; generated in ${fmt(data.generateMs / 1000)} s)${passMark(checks.validate)}`,
    `bench scale fan-out: ${fmt(big.fanOutJobsPerSecond)} jobs/s (${n(big.authorities)} jobs + ${n(big.deliveries)} ledger records in ${fmt(big.fanOutMs / 1000)} s; target >= ${n(TARGETS.fanOutJobsPerSecond)}${range(
      rounds.map((r) => r.fanOutJobsPerSecond),
      fmt,
    )}; campaign compiled and stored in ${fmt(big.storeMs / 1000)} s)${passMark(checks.fanOut)}`,
    `bench scale deliver: ${fmt(result.lettersPerSecond)} letters/s vs ${fmt(o.e2eLettersPerSecond)} at ${n(o.e2eAuthorities)} authorities (${share.toFixed(2)}; target >= ${TARGETS.throughputShare}) - ${n(result.authorities)} authorities, ${n(result.deliveries)} letters in ${fmt(result.deliverMs / 60_000)} min${sized ? ' (--full delivers all)' : ''}${passMark(checks.throughput)}`,
    `bench scale memory: worker peak RSS ${Math.round(result.workerPeakRssMb)} MB vs 300 MB limit (${(result.workerPeakRssMb / TARGETS.peakRssMb).toFixed(2)}) over ${n(result.deliveries)} letters; RSS sampled each second first/middle/last/highest ${samples[0]}/${samples[Math.floor(samples.length / 2)]}/${samples[samples.length - 1]}/${Math.max(...samples)} MB${passMark(checks.memory)}`,
  ];
  return {
    figure: 'scale',
    lines,
    pass: Object.values(checks).every(Boolean) && problems.length === 0,
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    data: {
      // The figures only: `big` also holds the Redis connection, queue and ledger it used.
      validatedAndFannedOut: {
        authorities: big.authorities,
        deliveries: big.deliveries,
        validateMs: big.validateMs,
        storeMs: big.storeMs,
        fanOutMs: big.fanOutMs,
        fanOutJobsPerSecond: big.fanOutJobsPerSecond,
        rounds,
      },
      delivered: result,
      generateMs: data.generateMs,
      throughputShare: share,
      e2eLettersPerSecond: o.e2eLettersPerSecond,
      targets: TARGETS,
      checks,
    },
  };
}
