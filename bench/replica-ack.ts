/**
 * Figure: what the replica acknowledgement costs. The e2e pipeline (the same
 * worker process, data set and sink as the e2e figure) on a Redis primary
 * with one replica, in rounds that alternate REPLICA_ACK_TIMEOUT_MS=1000
 * (every claim and every outcome waits for the replica: WAIT 1) and
 * REPLICA_ACK_TIMEOUT_MS=0 (no waiting), so both share the replicated
 * server, the machine's load and the replication traffic; only the waiting
 * differs. The primary and the replica are real redis-servers on loopback
 * (src/demo/redis-topology.ts; the workers connect to the primary directly).
 */
import { Redis } from 'ioredis';
import { RedisTopology } from '../src/demo/redis-topology.js';
import { deletePrefix } from '../src/storage/delete-prefix.js';
import type { Sink } from './lib/children.js';
import type { BenchEnvironment } from './lib/environment.js';
import { type PipelineResult, runPipeline } from './lib/pipeline.js';
import { type FigureResult, fmt, passMark } from './lib/report.js';

export interface ReplicaAckOptions {
  env: BenchEnvironment;
  sink: Sink;
  dataDir: string;
  rounds: number;
  concurrency: number;
  poolSize: number;
}

const TARGET = 0.8;

export async function replicaAckFigure(o: ReplicaAckOptions): Promise<FigureResult> {
  const topology = new RedisTopology();
  await topology.start();
  const primaryUrl = `redis://127.0.0.1:${await topology.primaryPort()}`;
  const admin = new Redis(primaryUrl);
  // The bench's own environment, pointed at the replicated primary.
  const env: BenchEnvironment = {
    ...o.env,
    redisUrl: primaryUrl,
    redisPid: null,
    redisDescription: `a primary with one replica on ${primaryUrl}`,
    clean: async (prefix) => void (await deletePrefix(admin, prefix)),
  };
  const acked: PipelineResult[] = [];
  const plain: PipelineResult[] = [];
  // The primary's own count of WAITs: evidence that the acknowledged rounds did wait, and the others did not.
  const waits = async () => Number(/^cmdstat_wait:calls=(\d+)/m.exec(await admin.info('commandstats'))?.[1] ?? 0);
  let ackedWaits = 0;
  let plainWaits = 0;
  try {
    const run = (name: string, timeoutMs: string) =>
      runPipeline({
        env,
        sink: o.sink,
        dataDir: o.dataDir,
        name,
        concurrency: o.concurrency,
        poolSize: o.poolSize,
        workerEnv: { REPLICA_ACK_TIMEOUT_MS: timeoutMs },
      });
    for (let round = 0; round < o.rounds; round++) {
      let before = await waits();
      plain.push(await run(`replica-plain-${round}`, '0'));
      plainWaits += (await waits()) - before;
      before = await waits();
      acked.push(await run(`replica-ack-${round}`, '1000'));
      ackedWaits += (await waits()) - before;
    }
  } finally {
    admin.disconnect();
    await topology.destroy();
  }
  const rateOf = (runs: PipelineResult[]) =>
    (runs.reduce((n, p) => n + p.deliveries, 0) * 1000) / runs.reduce((n, p) => n + p.deliverMs, 0);
  const ackedRate = rateOf(acked);
  const plainRate = rateOf(plain);
  const share = ackedRate / plainRate;
  const letters = acked.reduce((n, p) => n + p.deliveries, 0);
  const problems = [...plain, ...acked].flatMap((p, i) =>
    p.sinkDistinct !== p.deliveries || p.ledgerSent !== p.deliveries || p.failedJobs > 0
      ? [`run ${i}: sink ${p.sinkDistinct}, ledger sent ${p.ledgerSent} of ${p.deliveries}, ${p.failedJobs} failed jobs`]
      : [],
  );
  // Each letter's claim and outcome wait once each; fewer means the figure did not measure the waiting.
  if (ackedWaits < 2 * letters) problems.push(`only ${ackedWaits} WAITs for ${letters} letters with acknowledgement on`);
  if (plainWaits > 0) problems.push(`${plainWaits} WAITs with acknowledgement off`);
  const pass = share >= TARGET && problems.length === 0;
  const p0 = acked[0]!;
  return {
    figure: 'replica-ack',
    lines: [
      `bench replica-ack: ${fmt(ackedRate)} letters/s with every claim and outcome acknowledged by the replica vs ${fmt(plainRate)} without waiting ` +
        `(${share.toFixed(2)}; target >= ${TARGET})${passMark(pass)} - the e2e pipeline on a primary with one replica, ${p0.authorities} authorities, ` +
        `${p0.deliveries} letters x ${o.rounds} rounds (${ackedWaits} WAITs), concurrency ${o.concurrency}, pool ${o.poolSize}`,
    ],
    pass,
    fatal: problems.length > 0 ? problems.join('; ') : undefined,
    data: {
      ackedWaits,
      plainWaits,
      ackedLettersPerSecond: ackedRate,
      plainLettersPerSecond: plainRate,
      share,
      target: TARGET,
      acked,
      plain,
    },
  };
}
