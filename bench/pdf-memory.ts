/**
 * Figure 8, pdf-memory: a worker process delivering `authorities` generated
 * authorities with every letter also printed as a PDF (`letterAs: "both"`),
 * its memory sampled every second. Two views: the worker's own peak RSS
 * (VmHWM, as `scale memory` reports it without PDFs) and its whole process
 * tree, the Chromium it launches included, as PSS (shared pages divided
 * among the processes sharing them: what the tree really holds) and as RSS
 * summed (shared pages counted once per process: an upper bound). The target
 * (< 500 MB) is for the tree's PSS: an operator sizing a worker's container
 * pays for the browser too.
 *
 * The worker runs as docker-compose.yml runs it, with its V8 heap capped
 * (WORKER_NODE_OPTIONS; tests/docker-compose.test.ts holds the two equal).
 * By default 10,000 authorities are delivered (about 15 minutes here;
 * `--pdf-deliver N` for another size). The browser is replaced every
 * PDF_BROWSER_LETTERS PDFs, so a run of many replacements shows whether
 * memory is bounded.
 */

import { deliveryProblems } from './e2e-pdf.js';
import type { Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { runPipeline } from './lib/pipeline.js';
import { type FigureResult, fmt, passMark } from './lib/report.js';

export interface PdfMemoryOptions {
  env: BenchEnvironment;
  sink: Sink;
  authorities: number;
  concurrency: number;
  poolSize: number;
  /** PDFs per browser (the worker's PDF_BROWSER_LETTERS), for the line. */
  browserLetters: number;
  progress: boolean;
}

const TARGET_MB = 500;

/** The worker's node flags in docker-compose.yml (its NODE_OPTIONS). */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=160';

export async function pdfMemoryFigure(o: PdfMemoryOptions): Promise<FigureResult> {
  const data = await o.env.dataSet(o.authorities, 'both');
  let last = 0;
  const result = await runPipeline({
    env: o.env,
    sink: o.sink,
    dataDir: data.dir,
    name: `pdf-memory-${o.authorities}`,
    concurrency: o.concurrency,
    poolSize: o.poolSize,
    treeMemory: true,
    nodeFlags: WORKER_NODE_OPTIONS.split(' '),
    onProgress: o.progress
      ? (sent, deliveries) => {
          const now = Date.now();
          if (now - last >= 15_000) {
            last = now;
            process.stderr.write(`  pdf-memory: ${sent}/${deliveries} sent\n`);
          }
        }
      : undefined,
  });
  const tree = result.workerTreeMemory!;
  const pass = tree.peakPssMb < TARGET_MB;
  const samples = tree.pssSamplesMb;
  const n = (x: number) => x.toLocaleString('en-GB');
  const line =
    `bench pdf-memory: worker with its Chromium peak ${Math.round(tree.peakPssMb)} MB PSS vs ${TARGET_MB} MB limit (${(tree.peakPssMb / TARGET_MB).toFixed(2)}) ` +
    `over ${n(result.authorities)} authorities' PDFs and ${n(result.deliveries)} letters (${result.authorities < 10_000 ? 'not 10,000: ' : ''}${fmt(result.deliverMs / 60_000)} min here at ${fmt((result.authorities * 1000) / result.deliverMs)} PDFs/s), ` +
    `browser replaced every ${o.browserLetters}, worker run with ${WORKER_NODE_OPTIONS} (as docker-compose.yml runs it); RSS summed ${Math.round(tree.peakRssMb)} MB over up to ${tree.peakProcesses} processes, the worker's own ${Math.round(result.workerPeakRssMb)} MB; ` +
    `PSS sampled each second first/middle/last ${samples[0]}/${samples[Math.floor(samples.length / 2)]}/${samples[samples.length - 1]} MB${passMark(pass)}`;
  const problems = deliveryProblems('pdf-memory', result);
  return {
    figure: 'pdf-memory',
    lines: [line],
    pass: pass && problems.length === 0,
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    data: {
      authorities: result.authorities,
      deliveries: result.deliveries,
      targetMb: TARGET_MB,
      browserLetters: o.browserLetters,
      tree,
      delivered: result,
    },
  };
}
