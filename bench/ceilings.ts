/**
 * Figure 2, ceilings: what the parts can do alone on this machine, each in a
 * fresh process against the same sink process.
 *   - nodemailer's pooled transport sending the pipeline's prerendered
 *     messages (as send-message.ts sends them), and the same with nodemailer
 *     left to detect each part's encoding;
 *   - the same letters prebuilt as raw MIME, sent through the pooled transport;
 *   - the sink's own ceiling: a minimal pipelining SMTP client, many connections;
 *   - BullMQ: trivial jobs processed per second.
 */
import { type MeasuredClient, runClient, type Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { type FigureResult, fmt, ratio } from './lib/report.js';

export interface CeilingsOptions {
  env: BenchEnvironment;
  sink: Sink;
  /** The data set whose messages are sent (the e2e one). */
  dataDir: string;
  poolSize: number;
  /** Messages for the raw and sink-ceiling clients. */
  rawMessages: number;
  sinkMessages: number;
  sinkConnections: number;
  bullmqJobs: number;
  bullmqConcurrency: number;
}

const cpuShare = (c: MeasuredClient) => c.cpuMs / Math.max(1, c.sinkReachedAt - c.startedAt);

export async function ceilingsFigure(o: CeilingsOptions): Promise<FigureResult> {
  const nodemailerExplicit = await runClient(
    { mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding: 'explicit' },
    o.sink,
  );
  const nodemailerDetect = await runClient(
    { mode: 'nodemailer', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, encoding: 'detect' },
    o.sink,
  );
  const raw = await runClient(
    { mode: 'raw', smtpUrl: o.sink.url, dataDir: o.dataDir, poolSize: o.poolSize, messages: o.rawMessages, distinct: 200 },
    o.sink,
  );
  const before = await o.sink.stats();
  const sink = await runClient(
    {
      mode: 'sink-ceiling',
      smtpUrl: o.sink.url,
      dataDir: o.dataDir,
      connections: o.sinkConnections,
      messages: o.sinkMessages,
      distinct: 200,
    },
    o.sink,
  );
  const after = await o.sink.stats();
  const sinkCpuShare = (after.cpuMs - before.cpuMs) / Math.max(1, sink.sinkReachedAt - sink.startedAt);
  const prefix = o.env.prefix('bullmq-trivial');
  const bullmq = await runClient(
    { mode: 'bullmq', redisUrl: o.env.redisUrl, prefix, jobs: o.bullmqJobs, concurrency: o.bullmqConcurrency },
    null,
  );
  await o.env.clean(prefix);

  const failures = nodemailerExplicit.failures + nodemailerDetect.failures + raw.failures;
  const lines = [
    `bench ceiling nodemailer: ${fmt(nodemailerExplicit.perSecond)} msg/s pooled (pool ${o.poolSize}, textEncoding set) vs ${fmt(nodemailerDetect.perSecond)} letting nodemailer detect the encoding (${ratio(nodemailerExplicit.perSecond / nodemailerDetect.perSecond)}); client CPU ${Math.round(100 * cpuShare(nodemailerExplicit))}% of a core`,
    `bench ceiling raw: ${fmt(raw.perSecond)} msg/s prebuilt raw MIME, pooled vs ${fmt(nodemailerExplicit.perSecond)} nodemailer building MIME (${ratio(raw.perSecond / nodemailerExplicit.perSecond)})`,
    `bench ceiling sink: ${fmt(sink.perSecond)} msg/s, minimal pipelining client on ${o.sinkConnections} connections vs ${fmt(nodemailerExplicit.perSecond)} nodemailer (${ratio(sink.perSecond / nodemailerExplicit.perSecond)}); sink CPU ${Math.round(100 * sinkCpuShare)}% of a core`,
    `bench ceiling bullmq: ${fmt(bullmq.perSecond)} trivial jobs/s processed (concurrency ${o.bullmqConcurrency}) vs ${fmt(nodemailerExplicit.perSecond)} nodemailer msg/s (${ratio(bullmq.perSecond / nodemailerExplicit.perSecond)})`,
  ];
  return {
    figure: 'ceilings',
    lines,
    fatal: failures > 0 ? `${failures} sends failed in the ceilings` : undefined,
    data: {
      poolSize: o.poolSize,
      messageBytes: raw.messageBytes,
      nodemailerPooled: summary(nodemailerExplicit),
      nodemailerPooledDetectEncoding: summary(nodemailerDetect),
      rawPooled: summary(raw),
      sinkCeiling: { ...summary(sink), connections: o.sinkConnections, sinkCpuShare },
      bullmqTrivial: { ...summary(bullmq), concurrency: o.bullmqConcurrency },
    },
  };
}

export function summary(c: MeasuredClient): Record<string, number> {
  return {
    count: c.count,
    elapsedMs: Math.max(c.sinkReachedAt, c.endedAt) - c.startedAt,
    perSecond: c.perSecond,
    clientCpuShare: cpuShare(c),
    clientCpuMsPerItem: c.cpuMs / c.count,
    sinkCpuMsPerItem: c.sinkCpuMs / c.count,
    failures: c.failures,
  };
}
