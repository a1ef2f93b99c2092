/**
 * `demo`: the whole annual run on the bundled sample data, with nothing to
 * set up. Letters go to an embedded SMTP sink that writes each one to
 * ./outbox; Redis is REDIS_URL when it answers, otherwise a private
 * redis-server started for the run and stopped after it.
 */
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { startWorkerProcess } from '../../../workers/worker-process.js';
import type { Config } from '../../config.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import { hasRedisServer, PrivateRedis } from '../../demo/private-redis.js';
import { SmtpSink } from '../../demo/smtp-sink.js';
import { CliError } from '../../domain/index.js';
import { createLogger } from '../../logger.js';
import { SAMPLE_DATA_DIR } from '../../paths.js';
import { connectProducer } from '../../redis.js';
import { findChromium } from '../../render/pdf/chromium-binary.js';
import { fingerprintFiles } from '../../safety/fingerprint.js';
import { deletePrefix } from '../../storage/delete-prefix.js';
import { loadValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';
import { recordApproval } from './approve.js';
import { enqueueCampaign, type RunResult } from './run.js';

export interface DemoOptions {
  data?: string;
  outbox?: string;
}

export interface DemoResult extends RunResult {
  outbox: string;
  deliveryLog: string;
  received: number;
}

export async function demoCommand(options: DemoOptions, config: Config, print: Print): Promise<DemoResult> {
  const dataDir = options.data ?? SAMPLE_DATA_DIR;
  const outbox = resolve(options.outbox ?? 'outbox');
  const templatesDir = campaignTemplatesDir(dataDir);
  const data = await loadValidData(dataDir, { print: print.err, templatesDir });
  if (data.campaign.letterAs !== 'body') {
    // CHROMIUM_PATH's when it exists, else the one shipped in an npm package: unpacked now, so the run's first PDF does not wait.
    const chromium = await findChromium(config.CHROMIUM_PATH).catch((error: unknown) => {
      throw new CliError(
        `the campaign sends its letter as a PDF (letterAs "${data.campaign.letterAs}"), but ${(error as Error).message}`,
        2,
      );
    });
    print.err(`demo: the letters' PDFs are printed by ${chromium.description}`);
  }
  const redis = await reachableRedis(config.REDIS_URL, print);
  // Its own key prefix, emptied first, so the demo can be run again and again.
  const prefix = `${config.QUEUE_PREFIX}-demo`;
  await clearPrefix(redis.url, prefix);
  await rm(outbox, { recursive: true, force: true });

  const sink = new SmtpSink({ outboxDir: outbox });
  const smtpUrl = await sink.start();
  const deliveryLog = join(outbox, 'deliveries.log');
  const demoConfig: Config = Object.freeze({
    ...config,
    REDIS_URL: redis.url,
    SMTP_URL: smtpUrl,
    QUEUE_PREFIX: prefix,
    DELIVERY_LOG: deliveryLog,
    EVIDENCE_DIR: join(outbox, 'evidence'),
  });
  const worker = startWorkerProcess(demoConfig, { log: createLogger({ level: 'warn' }), echoDeliveries: false });
  try {
    await worker.ready;
    print.err(`demo: sending through an embedded SMTP sink at ${smtpUrl}, Redis at ${redis.url}, key prefix ${prefix}`);
    // Nobody previews the demo's letters, and they reach only the sink: it approves its own data.
    const fingerprint = await fingerprintFiles(dataDir);
    const approval = await recordApproval(demoConfig, data.campaign.id, fingerprint, 'demo');
    print.err(
      `demo: approved its own data automatically (sha256 ${approval.sha256.slice(0, 12)}...); a real run needs \`approve --data DIR\` first`,
    );
    const result = await enqueueCampaign(data, { wait: true, fingerprint, checkDurability: false, templatesDir }, demoConfig, print);
    const where = relative(process.cwd(), outbox) || '.';
    print.out(`letters:      ${where}/${result.campaign}/<authority>/<recipient>.eml (${sink.received.length} messages)`);
    print.out(`delivery log: ${relative(process.cwd(), deliveryLog)}`);
    if (!redis.private) print.out(`report:       QUEUE_PREFIX=${prefix} annual-review-mailer report --campaign ${result.campaign}`);
    return { ...result, outbox, deliveryLog, received: sink.received.length };
  } finally {
    await worker.close();
    await sink.stop();
    await redis.stop();
  }
}

interface DemoRedis {
  url: string;
  private: boolean;
  stop(): Promise<void>;
}

async function reachableRedis(url: string, print: Print): Promise<DemoRedis> {
  try {
    const client = await connectProducer(url);
    await client.quit();
    return { url, private: false, stop: async () => {} };
  } catch {
    if (!hasRedisServer()) {
      throw new CliError(
        'no Redis answers at REDIS_URL and no redis-server is installed. Either install it (apt-get install redis-server, ' +
          'or brew install redis) or start one with `docker compose up -d redis`, then run the demo again.',
        2,
      );
    }
    const server = new PrivateRedis();
    await server.start();
    print.err(`demo: no Redis at REDIS_URL; started a private redis-server on ${server.url} for this run`);
    return { url: server.url, private: true, stop: () => server.destroy() };
  }
}

async function clearPrefix(url: string, prefix: string): Promise<void> {
  const client = await connectProducer(url);
  await deletePrefix(client, prefix).finally(() => client.quit());
}
