/**
 * A real pipeline for one test: its own Redis prefix, a real SMTP server
 * (SmtpSink, in-process) and a real worker process's workers, in-process.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchCampaign } from '../../src/cli/progress.js';
import type { Config } from '../../src/config.js';
import { SmtpSink, type SmtpSinkOptions } from '../../src/demo/smtp-sink.js';
import type { CampaignTotals } from '../../src/ledger/totals.js';
import { createLogger } from '../../src/logger.js';
import { startWorkerProcess, type WorkerProcess } from '../../workers/worker-process.js';
import { openProducer, type Producer } from './producer.js';
import { cleanPrefix, testConfig, uniquePrefix } from './redis.js';

export const quietPrint = { out: () => {}, err: () => {} };

export interface Harness {
  prefix: string;
  config: Config;
  sink: SmtpSink;
  producer: Producer;
  dir: string;
  startWorker(): Promise<WorkerProcess>;
  /** Waits until no letter job is waiting, active or delayed. */
  waitIdle(authorities: number, campaign: string): Promise<CampaignTotals>;
  /** Closes the workers (which flushes the delivery log) and reads the log back. */
  deliveryLogLines(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export async function startHarness(name: string, options: { sink?: SmtpSinkOptions; env?: Record<string, string> } = {}): Promise<Harness> {
  const prefix = uniquePrefix(name);
  const dir = await mkdtemp(join(tmpdir(), `arm-${name}-`));
  const sink = new SmtpSink(options.sink);
  const smtpUrl = await sink.start();
  const config = testConfig(prefix, { SMTP_URL: smtpUrl, DELIVERY_LOG: join(dir, 'deliveries.log'), ...options.env });
  const producer = await openProducer(config);
  const workers: WorkerProcess[] = [];
  return {
    prefix,
    config,
    sink,
    producer,
    dir,
    async startWorker() {
      const worker = startWorkerProcess(config, {
        log: createLogger({ level: 'silent' }),
        echoDeliveries: false,
        shutdownTimeoutMs: 10_000,
      });
      workers.push(worker);
      await worker.ready;
      return worker;
    },
    waitIdle(authorities, campaign) {
      return watchCampaign({ ledger: producer.ledger(campaign), queue: producer.letters, authorities, intervalMs: 50 });
    },
    async deliveryLogLines() {
      // Workers write the log asynchronously; it is complete once they have closed.
      await Promise.all(workers.map((w) => w.close()));
      const text = await readFile(config.DELIVERY_LOG, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      await sink.stop();
      await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
