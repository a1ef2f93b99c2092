/**
 * Figure 3, e2e: the whole pipeline (fan-out, a worker process with queue,
 * precompiled render, ledger claim and finish, pooled send and delivery log)
 * on a generated data set, against nodemailer's pooled transport alone
 * sending the very same prerendered messages to the same sink, with the same
 * pool size. Rounds alternate baseline and pipeline, so a neighbour's load on
 * a shared machine hits both alike; the ratio is of the summed times.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runClient, type MeasuredClient, type Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { runPipeline, type PipelineResult } from './lib/pipeline.js';
import { formatSummary, mainThreadProfile, summariseProfile, type ProfileSummary } from './lib/profile.js';
import { fmt, passMark, type FigureResult } from './lib/report.js';
import { summary } from './ceilings.js';

export interface E2eOptions {
  env: BenchEnvironment;
  sink: Sink;
  dataDir: string;
  rounds: number;
  concurrency: number;
  poolSize: number;
  /** Also run one profiled (unmeasured) round and summarise the worker's profile. */
  profile: boolean;
  /** Where profiles go (kept after the run). */
  profileDir: string;
}

const TARGET = 0.8;
/** What the profile summary reports as inclusive time. */
const FOCUS = [
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
  const baselines: MeasuredClient[] = [];
  const pipelines: PipelineResult[] = [];
  for (let round = 0; round < o.rounds; round++) {
    baselines.push(
      await runClient({ mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding: 'explicit' }, o.sink),
    );
    pipelines.push(
      await runPipeline({ env: o.env, sink: o.sink, dataDir: o.dataDir, name: `e2e-${round}`, concurrency: o.concurrency, poolSize: o.poolSize }),
    );
  }
  const deliveries = pipelines[0]!.deliveries;
  const baselineMs = baselines.reduce((n, b) => n + Math.max(b.sinkReachedAt, b.endedAt) - b.startedAt, 0);
  const pipelineMs = pipelines.reduce((n, p) => n + p.deliverMs, 0);
  const baselineRate = (deliveries * o.rounds * 1000) / baselineMs;
  const pipelineRate = (deliveries * o.rounds * 1000) / pipelineMs;
  const share = pipelineRate / baselineRate;

  let profile: ProfileSummary | undefined;
  let baselineProfile: ProfileSummary | undefined;
  let profileText: string | undefined;
  if (o.profile) {
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
    profile = summariseProfile(mainThreadProfile(dir), { top: 30, focus: FOCUS });
    const baselineDir = join(o.profileDir, `baseline-${Date.now()}`);
    await mkdir(baselineDir, { recursive: true });
    const baselineProfiled = await runClient(
      { mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding: 'explicit' },
      o.sink,
      ['--cpu-prof', `--cpu-prof-dir=${baselineDir}`],
    );
    baselineProfile = summariseProfile(mainThreadProfile(baselineDir), { top: 30, focus: FOCUS });
    profileText =
      `worker ${formatSummary(profile)}\n(profiled round: ${fmt(profiled.lettersPerSecond)} letters/s under the profiler; ${dir})\n\n` +
      `nodemailer alone ${formatSummary(baselineProfile)}\n(profiled: ${fmt(baselineProfiled.perSecond)} msg/s; ${baselineDir})`;
  }

  const problems = pipelines.flatMap((p, i) => {
    const out: string[] = [];
    if (p.sinkDistinct !== p.deliveries) out.push(`round ${i}: sink got ${p.sinkDistinct} distinct messages for ${p.deliveries} deliveries`);
    if (p.ledgerSent !== p.deliveries) out.push(`round ${i}: ledger has ${p.ledgerSent} sent of ${p.deliveries}`);
    if (p.failedJobs > 0) out.push(`round ${i}: ${p.failedJobs} failed jobs`);
    return out;
  });
  const pass = share >= TARGET && problems.length === 0;
  // CPU per letter does not depend on what else the machine is doing: the honest second opinion on a shared box.
  const baselineCpu = baselines.reduce((n, b) => n + b.cpuMs, 0) / (deliveries * o.rounds);
  const workerCpu = pipelines.reduce((n, p) => n + p.cpuMsPerLetter.worker, 0) / o.rounds;
  const redisCpu = pipelines.every((p) => p.cpuMsPerLetter.redis !== null)
    ? pipelines.reduce((n, p) => n + (p.cpuMsPerLetter.redis ?? 0), 0) / o.rounds
    : null;
  const sinkCpu = pipelines.reduce((n, p) => n + p.cpuMsPerLetter.sink, 0) / o.rounds;
  const baselineSinkCpu = baselines.reduce((n, b) => n + b.sinkCpuMs, 0) / (deliveries * o.rounds);
  const p0 = pipelines[0]!;
  const line =
    `bench e2e: ${fmt(pipelineRate)} letters/s vs ${fmt(baselineRate)} nodemailer pooled alone (${share.toFixed(2)}; target >= ${TARGET}) ` +
    `- ${p0.authorities} authorities, ${deliveries} letters x ${o.rounds} rounds, concurrency ${o.concurrency}, pool ${o.poolSize}, ` +
    `worker peak RSS ${Math.round(Math.max(...pipelines.map((p) => p.workerPeakRssMb)))} MB${passMark(pass)}`;
  const cpuLine =
    `bench e2e cpu: ${fmt(workerCpu)} ms CPU/letter in the worker vs ${fmt(baselineCpu)} ms in nodemailer alone ` +
    `(${(baselineCpu / workerCpu).toFixed(2)}); plus Redis ${redisCpu === null ? 'n/a' : fmt(redisCpu)} ms, sink ${fmt(sinkCpu)} ms (${fmt(baselineSinkCpu)} for the baseline)`;
  return {
    figure: 'e2e',
    lines: [line, cpuLine],
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
      target: TARGET,
      cpuMsPerLetter: { worker: workerCpu, baseline: baselineCpu, redis: redisCpu, sink: sinkCpu, baselineSink: baselineSinkCpu },
      baselines: baselines.map(summary),
      pipelines,
      profile,
      baselineProfile,
      profileText,
    },
  };
}
