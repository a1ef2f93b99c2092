/**
 * Figure 7, e2e-pdf: the whole pipeline with each authority's letter also
 * printed as a PDF and attached (`letterAs: "both"`, as the bundled campaign
 * says) against the same pipeline with the letter in the body only
 * (`"body"`), on the same generated authorities, in the same run. Rounds
 * alternate the two so a neighbour's load hits both alike; the ratio is of
 * the summed delivery times. Every round must deliver each letter exactly
 * once (sink and ledger) with no failed job.
 */
import type { Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { type PipelineResult, runPipeline } from './lib/pipeline.js';
import { type FigureResult, fmt } from './lib/report.js';

export interface E2ePdfOptions {
  env: BenchEnvironment;
  sink: Sink;
  /** Authorities delivered in every round, with and without PDFs. */
  authorities: number;
  rounds: number;
  concurrency: number;
  poolSize: number;
}

/** What is wrong with a delivery run: a letter lost, sent twice or failed. */
export function deliveryProblems(label: string, p: PipelineResult): string[] {
  const out: string[] = [];
  if (p.sinkDistinct !== p.deliveries) out.push(`${label}: sink got ${p.sinkDistinct} distinct messages for ${p.deliveries} deliveries`);
  if (p.ledgerSent !== p.deliveries) out.push(`${label}: ledger has ${p.ledgerSent} sent of ${p.deliveries}`);
  if (p.failedJobs > 0) out.push(`${label}: ${p.failedJobs} failed jobs`);
  return out;
}

export async function e2ePdfFigure(o: E2ePdfOptions): Promise<FigureResult> {
  const body = await o.env.dataSet(o.authorities, 'body');
  const both = await o.env.dataSet(o.authorities, 'both');
  const off: PipelineResult[] = [];
  const on: PipelineResult[] = [];
  const run = (dataDir: string, name: string) =>
    runPipeline({ env: o.env, sink: o.sink, dataDir, name, concurrency: o.concurrency, poolSize: o.poolSize, treeMemory: true });
  for (let round = 0; round < o.rounds; round++) {
    off.push(await run(body.dir, `e2e-pdf-off-${round}`));
    on.push(await run(both.dir, `e2e-pdf-on-${round}`));
  }
  const deliveries = on[0]!.deliveries;
  const rateOf = (runs: PipelineResult[]) => (deliveries * runs.length * 1000) / runs.reduce((n, p) => n + p.deliverMs, 0);
  const onRate = rateOf(on);
  const offRate = rateOf(off);
  const share = onRate / offRate;
  const problems = [
    ...off.flatMap((p, i) => deliveryProblems(`body round ${i}`, p)),
    ...on.flatMap((p, i) => deliveryProblems(`both round ${i}`, p)),
  ];
  const peak = (runs: PipelineResult[], pick: (p: PipelineResult) => number) => Math.round(Math.max(...runs.map(pick)));
  const line =
    `bench e2e-pdf: ${fmt(onRate)} letters/s with PDFs (letterAs both) vs ${fmt(offRate)} without (body) (${share.toFixed(2)}; ` +
    `${fmt((on[0]!.authorities * o.rounds * 1000) / on.reduce((n, p) => n + p.deliverMs, 0))} PDFs/s) - ${on[0]!.authorities} authorities, ` +
    `${deliveries} letters x ${o.rounds} round(s) each, concurrency ${o.concurrency}, pool ${o.poolSize}; ` +
    `worker peak RSS ${peak(on, (p) => p.workerPeakRssMb)} MB with PDFs (${peak(on, (p) => p.workerTreeMemory?.peakPssMb ?? NaN)} MB PSS with its Chromium) vs ${peak(off, (p) => p.workerPeakRssMb)} MB without`;
  return {
    figure: 'e2e-pdf',
    lines: [line],
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    data: {
      authorities: on[0]!.authorities,
      deliveries,
      rounds: o.rounds,
      concurrency: o.concurrency,
      poolSize: o.poolSize,
      pdfLettersPerSecond: onRate,
      bodyLettersPerSecond: offRate,
      share,
      pdf: on,
      body: off,
    },
  };
}
