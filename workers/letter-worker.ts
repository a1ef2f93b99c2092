/**
 * The letters worker: wires the stages for one job (load -> render -> send ->
 * ledger -> log) and maps the outcome to BullMQ's vocabulary. No business
 * logic lives here.
 *   - every recipient sent (now or before): the job completes;
 *   - some recipient failed transiently or is held by a live claim: the job
 *     throws and BullMQ retries it with backoff; sent recipients are skipped;
 *   - otherwise some recipient failed permanently: UnrecoverableError, no retry.
 * Two waits spend no attempt (moveToDelayed + DelayedError): while the circuit
 * breaker is open, and while another worker's live claim holds a recipient.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { verpFromConfig } from '../src/bounce/verp.js';
import type { Config } from '../src/config.js';
import { type Campaign, EVENT, PdfPrintError } from '../src/domain/index.js';
import { type LetterRenderer, rendererFromCompiled } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { guardTransport } from '../src/safety/recipient-policy.js';
import { isTestCampaign, TestRuns } from '../src/safety/test-mode.js';
import { LETTERS_QUEUE, type LetterJobData, openLettersQueue } from '../src/schedule/queues.js';
import { type AuthorityResult, deliverAuthority } from '../src/send/deliver-authority.js';
import { letterAttachments } from '../src/send/letter-attachments.js';
import { createSendGuards, type Deferral } from '../src/send/send-guards.js';
import type { Address } from '../src/send/send-message.js';
import type { MailTransport } from '../src/send/transport.js';
import { CampaignStore } from '../src/storage/campaign-store.js';
import { Ledger } from '../src/storage/ledger.js';

export interface LetterWorkerDeps {
  config: Config;
  /** A worker-role connection (maxRetriesPerRequest: null). */
  connection: Redis;
  transport: MailTransport;
  log: Logger;
  deliveryLog: Logger;
  from?: Address;
}

export interface LetterJobResult {
  sent: string[];
  alreadySent: string[];
}

/** A stable id for this process's claims; each claim adds the job and a nonce. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

export function startLetterWorker(deps: LetterWorkerDeps): Worker<LetterJobData, LetterJobResult> {
  const store = new CampaignStore(deps.connection, deps.config.QUEUE_PREFIX);
  const campaigns = new CampaignCache(store);
  // One browser per worker process, launched on the first PDF, PDF_PAGES tabs reused letter after letter, replaced every PDF_BROWSER_LETTERS letters.
  const printer = new PdfPrinter({
    executablePath: deps.config.CHROMIUM_PATH,
    timeoutMs: deps.config.PDF_TIMEOUT_MS,
    recycleAfter: deps.config.PDF_BROWSER_LETTERS,
    pages: deps.config.PDF_PAGES,
  });
  const ledgers = new Map<string, Ledger>();
  const ledgerFor = (namespace: string) => {
    let ledger = ledgers.get(namespace);
    if (!ledger) {
      // Claims and outcomes wait for a replica (when there is one): a failover must not forget them.
      ledger = new Ledger(deps.connection, deps.config.QUEUE_PREFIX, namespace, {
        replicaAckTimeoutMs: deps.config.REPLICA_ACK_TIMEOUT_MS,
      });
      ledgers.set(namespace, ledger);
    }
    return ledger;
  };

  const lettersQueue = openLettersQueue(deps.connection, deps.config.QUEUE_PREFIX);
  // RECIPIENT_ALLOWLIST is checked on every message as it is handed to the relay: nothing sends around it.
  const transport = guardTransport(deps.transport, deps.config.RECIPIENT_ALLOWLIST);
  const verp = verpFromConfig(deps.config);
  const testRuns = new TestRuns(deps.connection, deps.config.QUEUE_PREFIX);
  const guards = createSendGuards({ config: deps.config, connection: deps.connection, queue: lettersQueue, log: deps.log, who: WORKER_ID });
  const defer = async (job: Job<LetterJobData, LetterJobResult>, token: string | undefined, deferral: Deferral, log: Logger) => {
    await job.moveToDelayed(Date.now() + deferral.delayMs, token);
    log.info({ event: EVENT.jobDeferred, ...deferral }, `job.deferred: ${deferral.reason}, again in ${deferral.delayMs} ms`);
    throw new DelayedError(`deferred (${deferral.reason}) for ${deferral.delayMs} ms`);
  };

  const process = async (job: Job<LetterJobData, LetterJobResult>, token?: string): Promise<LetterJobResult> => {
    const { campaign: campaignId, authorityId } = job.data;
    const log = deps.log.child({ campaign: campaignId, authorityId, jobId: job.id });
    const [loaded, authority] = await Promise.all([campaigns.get(campaignId), store.authority(campaignId, authorityId)]);
    if (!loaded || !authority) {
      throw new UnrecoverableError(`campaign ${campaignId} or its authority ${authorityId} is not stored in Redis`);
    }
    // A test run's letters go to its test inbox, or nowhere: never to the real recipients.
    const testRun = job.data.test === true || isTestCampaign(campaignId) ? await testRuns.get(campaignId) : undefined;
    if (testRun === null) throw new UnrecoverableError(`test run ${campaignId} has no test inbox stored in Redis; nothing was sent`);
    const target = testRun
      ? testRuns.delivery(testRun, loaded.campaign, authority, loaded.renderer)
      : { authority, renderer: loaded.renderer };
    const closed = await guards.beforeJob(job.id!);
    if (closed) return defer(job, token, closed, log);
    const result = await deliverAuthority(
      {
        attachments: () => letterAttachments({ printer, store }, campaignId, loaded.campaign, loaded.renderer, authority),
        campaign: loaded.campaign,
        renderer: target.renderer,
        transport,
        ledger: ledgerFor(campaignId),
        deliveryLog: deps.deliveryLog.child({ jobId: job.id }),
        owner: `${WORKER_ID}:${job.id}:${randomUUID().slice(0, 8)}`,
        leaseMs: deps.config.LEASE_MS,
        from: deps.from,
        throttle: guards.throttle,
        verp,
        testRun: testRun !== undefined,
      },
      target.authority,
      job.data.resend,
    ).catch(async (error: unknown) => {
      // Nothing was claimed yet: a failed PDF fails this attempt only, and BullMQ retries it with backoff.
      if (!(error instanceof PdfPrintError)) throw error;
      await job.log(`not sent, will retry: ${error.message}`);
      log.warn({ event: EVENT.pdfFailed, reason: error.message, attempt: job.attemptsMade + 1 }, `pdf.failed: ${error.message}`);
      throw new Error(`not sent, will retry: ${error.message}`);
    });
    const summary = summarise(result);
    await job.log(summary);
    log.info({ event: EVENT.jobFinished, summary, attempt: job.attemptsMade + 1 }, summary);
    const later = await guards.afterJob(job.id!, result);
    if (later) return defer(job, token, later, log);
    if (result.retryable) throw new Error(`not finished, will retry: ${summary}`);
    if (result.permanent) throw new UnrecoverableError(`failed permanently: ${summary}`);
    return {
      sent: result.results.filter((r) => r.outcome === 'sent').map((r) => r.recipient),
      alreadySent: result.results.filter((r) => r.outcome === 'already-sent').map((r) => r.recipient),
    };
  };

  const worker = new Worker<LetterJobData, LetterJobResult>(LETTERS_QUEUE, process, {
    connection: deps.connection,
    prefix: deps.config.QUEUE_PREFIX,
    concurrency: deps.config.WORKER_CONCURRENCY,
    // The ledger, not the stall limit, prevents double sends: let a job survive several worker deaths.
    maxStalledCount: 5,
    lockDuration: deps.config.JOB_LOCK_MS,
    stalledInterval: deps.config.STALLED_INTERVAL_MS,
  });
  worker.on('closed', () => {
    void printer.close();
    guards.close();
    void lettersQueue.close();
  });
  return worker;
}

/** One line an operator reads in the queue UI's job log. */
export function summarise(result: AuthorityResult): string {
  if (result.results.length > 0 && result.results.every((r) => r.outcome === 'already-sent')) {
    return `nothing to send: every recipient (${result.results.map((r) => r.recipient).join(', ')}) was already sent`;
  }
  return result.results
    .map(
      (r) => `${r.recipient} ${r.outcome}${r.response && r.outcome !== 'sent' && r.outcome !== 'already-sent' ? ` (${r.response})` : ''}`,
    )
    .join('; ');
}

/**
 * Builds each campaign's renderer once from the templates `run` compiled and
 * stored with it, and again only when the stored campaign changes (its version).
 */
class CampaignCache {
  private readonly entries = new Map<string, Promise<{ version: string; campaign: Campaign; renderer: LetterRenderer } | null>>();

  constructor(private readonly store: CampaignStore) {}

  async get(id: string): Promise<{ campaign: Campaign; renderer: LetterRenderer } | null> {
    const version = await this.store.version(id);
    if (!version) return null;
    const cached = await this.entries.get(id);
    if (cached?.version === version) return cached;
    const loading = this.load(id);
    this.entries.set(id, loading);
    return loading;
  }

  private async load(id: string) {
    const stored = await this.store.load(id);
    if (!stored) return null;
    const renderer = rendererFromCompiled(stored.campaign, stored.letter);
    return { version: stored.version, campaign: stored.campaign, renderer };
  }
}
