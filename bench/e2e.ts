/**
 * Figure 3, e2e: the whole pipeline (fan-out, a worker process with queue,
 * precompiled render, ledger claim and finish, pooled send and delivery log)
 * on a generated data set, against nodemailer's pooled transport alone
 * sending the very same prerendered messages to the same sink, with the same
 * pool size. Rounds alternate baselines and pipeline, so a neighbour's load
 * on a shared machine hits all alike; ratios are of the summed times.
 *
 * Two baselines, both nodemailer's own sendMail with the message fields:
 * as it comes (choosing each part's text encoding itself), and with the
 * same settings as the pipeline (told quoted-printable), the fair one, so
 * only what is ours separates the two: the queue, the ledger, rendering,
 * composing the message into bytes and keeping them before the relay sees
 * them (then handing nodemailer those bytes), and the delivery log. Both
 * send byte-identical messages (checked: every letter of the 1,000-authority
 * set encodes to quoted-printable either way).
 *
 * A second line times the same runs after their first fifth of letters (by
 * the sink's clock): steady state, without connecting, JIT warm-up or the
 * worker's first campaign load, which weigh on a run of a few seconds and
 * not on a real one of hours.
 *
 * The targets are against the fair baseline, nodemailer with the same
 * settings: at least 0.85 of its rate, and at most 0.4 ms more CPU a letter.
 * Where the CPU goes is printed by stage beside nodemailer's: one more
 * (unmeasured) round of each runs under the V8 profiler, and each stage's
 * share of the busy samples is applied to the CPU a letter measured above.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataSet } from '../src/data/load-data-set.js';
import { recipientsOf } from '../src/domain/index.js';
import { summary } from './ceilings.js';
import { type MeasuredClient, runClient, type Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { type PipelineResult, runPipeline } from './lib/pipeline.js';
import { formatSummary, mainThreadProfile, type ProfileSummary, stagesOf, summariseProfile } from './lib/profile.js';
import { type FigureResult, fmt, passMark } from './lib/report.js';

export interface E2eOptions {
  env: BenchEnvironment;
  sink: Sink;
  dataDir: string;
  rounds: number;
  concurrency: number;
  poolSize: number;
  /** Also print the profiles' busiest functions and packages (the stages are always printed). */
  profile: boolean;
  /** Where profiles go (kept after the run). */
  profileDir: string;
}

/** Of nodemailer's rate with the same settings. */
const TARGET = 0.85;
/** CPU a letter above nodemailer's with the same settings, ms. */
const CPU_TARGET_MS = 0.4;
/** What the profile summary reports as inclusive time. */
const FOCUS = [
  'getTransferEncoding',
  'sendMail',
  'buildHeaders',
  '_getTextEncoding',
  'encode (',
  'moveToFinished',
  'claim',
  'finish',
  'render',
  'deliverAuthority',
  'LOG',
  'pino',
  'Sonic',
];

export interface E2eResult extends FigureResult {
  pipelineLettersPerSecond: number;
}

export async function e2eFigure(o: E2eOptions): Promise<E2eResult> {
  const loaded = await loadDataSet(o.dataDir);
  if (!loaded.dataSet) throw new Error(`${o.dataDir}: ${loaded.problems.length} problems`);
  const expected = loaded.dataSet.authorities.reduce((n, a) => n + recipientsOf(a).length, 0);
  const warmup = Math.round(expected / 5);
  const plain: MeasuredClient[] = [];
  const tuned: MeasuredClient[] = [];
  const pipelines: PipelineResult[] = [];
  const baseline = (encoding: 'detect' | 'explicit') =>
    runClient({ mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding }, o.sink, [], undefined, [
      warmup,
    ]);
  for (let round = 0; round < o.rounds; round++) {
    plain.push(await baseline('detect'));
    pipelines.push(
      await runPipeline({
        env: o.env,
        sink: o.sink,
        dataDir: o.dataDir,
        name: `e2e-${round}`,
        concurrency: o.concurrency,
        poolSize: o.poolSize,
        warmup,
      }),
    );
    tuned.push(await baseline('explicit'));
  }
  const deliveries = pipelines[0]!.deliveries;
  const rateOf = (clients: MeasuredClient[]) =>
    (deliveries * o.rounds * 1000) / clients.reduce((n, b) => n + Math.max(b.sinkReachedAt, b.endedAt) - b.startedAt, 0);
  const baselineRate = rateOf(plain);
  const tunedRate = rateOf(tuned);
  const pipelineRate = (deliveries * o.rounds * 1000) / pipelines.reduce((n, p) => n + p.deliverMs, 0);
  const share = pipelineRate / baselineRate;
  const tunedShare = pipelineRate / tunedRate;
  const steady = deliveries - warmup;
  const steadyRateOf = (clients: MeasuredClient[]) =>
    (steady * o.rounds * 1000) / clients.reduce((n, b) => n + b.sinkReachedAt - b.marksAt[0]!, 0);
  const steadyBaseline = steadyRateOf(plain);
  const steadyTuned = steadyRateOf(tuned);
  const steadyPipeline = (steady * o.rounds * 1000) / pipelines.reduce((n, p) => n + p.steadyMs, 0);

  // One more round of the pipeline and of the fair baseline, each under the profiler: where their CPU goes.
  const dir = join(o.profileDir, `e2e-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const profiled = await runPipeline({
    env: o.env,
    sink: o.sink,
    dataDir: o.dataDir,
    name: 'e2e-profiled',
    concurrency: o.concurrency,
    poolSize: o.poolSize,
    profileDir: dir,
  });
  const baselineDir = join(o.profileDir, `baseline-${Date.now()}`);
  await mkdir(baselineDir, { recursive: true });
  const baselineProfiled = await runClient(
    { mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding: 'explicit' },
    o.sink,
    ['--cpu-prof', `--cpu-prof-dir=${baselineDir}`],
  );
  const workerShares = busyShares(mainThreadProfile(dir));
  const baselineShares = busyShares(mainThreadProfile(baselineDir));

  let profile: ProfileSummary | undefined;
  let baselineProfile: ProfileSummary | undefined;
  let profileText: string | undefined;
  if (o.profile) {
    profile = summariseProfile(mainThreadProfile(dir), { top: 30, focus: FOCUS });
    baselineProfile = summariseProfile(mainThreadProfile(baselineDir), { top: 30, focus: FOCUS });
    profileText =
      `worker ${formatSummary(profile)}\n(profiled round: ${fmt(profiled.lettersPerSecond)} letters/s under the profiler; ${dir})\n\n` +
      `nodemailer told the text encoding ${formatSummary(baselineProfile)}\n(profiled: ${fmt(baselineProfiled.perSecond)} msg/s; ${baselineDir})`;
  }

  const problems = pipelines.flatMap((p, i) => {
    const out: string[] = [];
    if (p.sinkDistinct !== p.deliveries)
      out.push(`round ${i}: sink got ${p.sinkDistinct} distinct messages for ${p.deliveries} deliveries`);
    if (p.ledgerSent !== p.deliveries) out.push(`round ${i}: ledger has ${p.ledgerSent} sent of ${p.deliveries}`);
    if (p.failedJobs > 0) out.push(`round ${i}: ${p.failedJobs} failed jobs`);
    return out;
  });
  // CPU per letter does not depend on what else the machine is doing: the honest second opinion on a shared box.
  const cpuOf = (clients: MeasuredClient[]) => clients.reduce((n, b) => n + b.cpuMs, 0) / (deliveries * o.rounds);
  const baselineCpu = cpuOf(plain);
  const tunedCpu = cpuOf(tuned);
  const workerCpu = pipelines.reduce((n, p) => n + p.cpuMsPerLetter.worker, 0) / o.rounds;
  const redisCpu = pipelines.every((p) => p.cpuMsPerLetter.redis !== null)
    ? pipelines.reduce((n, p) => n + (p.cpuMsPerLetter.redis ?? 0), 0) / o.rounds
    : null;
  const sinkCpu = pipelines.reduce((n, p) => n + p.cpuMsPerLetter.sink, 0) / o.rounds;
  const baselineSinkCpu = tuned.reduce((n, b) => n + b.sinkCpuMs, 0) / (deliveries * o.rounds);
  const extraCpu = workerCpu - tunedCpu;
  const pass = tunedShare >= TARGET && extraCpu <= CPU_TARGET_MS && problems.length === 0;
  // Each stage's share of the busy samples, applied to the CPU a letter measured in the timed rounds.
  const stageTable = Object.keys({ ...workerShares, ...baselineShares })
    .map((stage) => ({ stage, worker: (workerShares[stage] ?? 0) * workerCpu, nodemailer: (baselineShares[stage] ?? 0) * tunedCpu }))
    .sort((a, b) => b.worker - a.worker || b.nodemailer - a.nodemailer);
  const p0 = pipelines[0]!;
  const line =
    `bench e2e: ${fmt(pipelineRate)} letters/s vs ${fmt(tunedRate)} nodemailer pooled alone with the same settings (${tunedShare.toFixed(2)}; target >= ${TARGET})${passMark(pass)}; ` +
    `vs ${fmt(baselineRate)} nodemailer as it comes, choosing the text encoding itself (${share.toFixed(2)}) ` +
    `- ${p0.authorities} authorities, ${deliveries} letters x ${o.rounds} rounds, concurrency ${o.concurrency}, pool ${o.poolSize}, ` +
    `worker peak RSS ${Math.round(Math.max(...pipelines.map((p) => p.workerPeakRssMb)))} MB`;
  const steadyLine =
    `bench e2e steady: ${fmt(steadyPipeline)} letters/s vs ${fmt(steadyTuned)} with the same settings (${(steadyPipeline / steadyTuned).toFixed(2)}); ` +
    `vs ${fmt(steadyBaseline)} as it comes (${(steadyPipeline / steadyBaseline).toFixed(2)}) - the same runs after their first ${warmup} letters`;
  const cpuLine =
    `bench e2e cpu: ${fmt(workerCpu)} ms CPU/letter in the worker vs ${fmt(tunedCpu)} ms in nodemailer with the same settings ` +
    `(${extraCpu >= 0 ? '+' : ''}${extraCpu.toFixed(2)} ms; target <= +${CPU_TARGET_MS})${passMark(pass)}, ${fmt(baselineCpu)} as it comes; ` +
    `plus Redis ${redisCpu === null ? 'n/a' : fmt(redisCpu)} ms, sink ${fmt(sinkCpu)} ms (${fmt(baselineSinkCpu)} for the baseline)`;
  const stageLines = [
    `bench e2e cpu by stage, ms a letter (the CPU above, shared out as one profiled round of each spent it):`,
    `  ${'stage'.padEnd(30)} ${'worker'.padStart(7)} ${'nodemailer'.padStart(10)}`,
    ...stageTable.map((r) => `  ${r.stage.padEnd(30)} ${r.worker.toFixed(3).padStart(7)} ${r.nodemailer.toFixed(3).padStart(10)}`),
  ];
  return {
    figure: 'e2e',
    lines: [line, steadyLine, cpuLine, ...stageLines],
    pass,
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    pipelineLettersPerSecond: pipelineRate,
    data: {
      authorities: p0.authorities,
      deliveries,
      rounds: o.rounds,
      concurrency: o.concurrency,
      poolSize: o.poolSize,
      pipelineLettersPerSecond: pipelineRate,
      baselineLettersPerSecond: baselineRate,
      share,
      tunedBaselineLettersPerSecond: tunedRate,
      tunedShare,
      steady: {
        warmupLetters: warmup,
        pipelineLettersPerSecond: steadyPipeline,
        baselineLettersPerSecond: steadyBaseline,
        tunedBaselineLettersPerSecond: steadyTuned,
        share: steadyPipeline / steadyBaseline,
        tunedShare: steadyPipeline / steadyTuned,
      },
      target: TARGET,
      cpuTargetMs: CPU_TARGET_MS,
      cpuMsPerLetter: {
        worker: workerCpu,
        baseline: baselineCpu,
        tunedBaseline: tunedCpu,
        redis: redisCpu,
        sink: sinkCpu,
        baselineSink: baselineSinkCpu,
      },
      baselines: plain.map(summary),
      tunedBaselines: tuned.map(summary),
      pipelines,
      profile,
      baselineProfile,
      cpuMsPerLetterByStage: stageTable,
      profileText,
    },
  };
}

/** Each stage's share of a profile's busy samples (idle left out): the shares sum to 1. */
function busyShares(file: string): Record<string, number> {
  const { stages } = stagesOf(file);
  const { idle: _idle, ...busy } = stages;
  const total = Object.values(busy).reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(Object.entries(busy).map(([stage, ms]) => [stage, ms / total]));
}
