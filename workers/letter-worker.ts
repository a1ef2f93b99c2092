/**
 * The letters worker: BullMQ's side of a letter job. It hands the job's data
 * to the delivery operation (src/operations/deliver-letters.ts) and maps the
 * outcome to BullMQ's vocabulary; no business logic lives here.
 *   - every recipient sent (now or before): the job completes;
 *   - some recipient failed transiently or is held by a live claim: the job
 *     throws and BullMQ retries it with backoff; sent recipients are skipped;
 *   - otherwise some recipient failed permanently: UnrecoverableError, no retry;
 *   - data no fan-out or operation wrote: UnrecoverableError, nothing sent.
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
import { type AuthorityResult, EVENT, JobRefused, PdfPrintError } from '../src/domain/index.js';
import type { OperationsContext } from '../src/operations/context.js';
import { LetterDelivery } from '../src/operations/deliver-letters.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { LETTERS_QUEUE, type LetterJobData } from '../src/schedule/queues.js';
import { withAllowlist } from '../src/send/allowlist-provider.js';
import type { Address, MailProvider } from '../src/send/mail-provider.js';
import { createSendGuards, type Deferral } from '../src/send/send-guards.js';

export interface LetterWorkerDeps {
  config: Config;
  /** A worker-role connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** The process's operations (its storage on `connection`, its delivery log). */
  ops: OperationsContext;
  provider: MailProvider;
  log: Logger;
  from?: Address;
}

export interface LetterJobResult {
  sent: string[];
  alreadySent: string[];
}

/** A stable id for this process's claims; each claim adds the job and a nonce. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

export function startLetterWorker(deps: LetterWorkerDeps): Worker<LetterJobData, LetterJobResult> {
  const { config, ops } = deps;
  // One browser per worker process, launched on the first PDF, PDF_PAGES tabs reused letter after letter, replaced every PDF_BROWSER_LETTERS letters.
  const printer = new PdfPrinter({
    executablePath: config.CHROMIUM_PATH,
    timeoutMs: config.PDF_TIMEOUT_MS,
    recycleAfter: config.PDF_BROWSER_LETTERS,
    pages: config.PDF_PAGES,
  });
  const guards = createSendGuards({ config, storage: ops.storage, queue: ops.letters, log: deps.log, who: WORKER_ID });
  const delivery = new LetterDelivery(ops, {
    // RECIPIENT_ALLOWLIST is checked on every message as it is handed to the relay: nothing sends around it.
    provider: withAllowlist(deps.provider, config.RECIPIENT_ALLOWLIST),
    printer,
    deliveryLog: ops.deliveryLog,
    leaseMs: config.LEASE_MS,
    from: deps.from,
    throttle: guards.throttle,
    verp: verpFromConfig(config),
  });
  const defer = async (job: Job<LetterJobData, LetterJobResult>, token: string | undefined, deferral: Deferral, log: Logger) => {
    await job.moveToDelayed(Date.now() + deferral.delayMs, token);
    log.info({ event: EVENT.jobDeferred, ...deferral }, `job.deferred: ${deferral.reason}, again in ${deferral.delayMs} ms`);
    throw new DelayedError(`deferred (${deferral.reason}) for ${deferral.delayMs} ms`);
  };

  const process = async (job: Job<LetterJobData, LetterJobResult>, token?: string): Promise<LetterJobResult> => {
    const log = deps.log.child({ campaign: job.data.campaign, authorityId: job.data.authorityId, jobId: job.id });
    const closed = await guards.beforeJob(job.id!);
    if (closed) return defer(job, token, closed, log);
    const result = await delivery.deliver(job.data, `${WORKER_ID}:${job.id}:${randomUUID().slice(0, 8)}`).catch(async (error: unknown) => {
      if (error instanceof JobRefused) {
        await job.log(`refused: ${error.message}`);
        log.error({ event: EVENT.jobRefused, reason: error.message }, `job.refused: ${error.message}`);
        throw new UnrecoverableError(`refused: ${error.message}`);
      }
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
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    // The ledger, not the stall limit, prevents double sends: let a job survive several worker deaths.
    maxStalledCount: 5,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
  });
  worker.on('closed', () => {
    void printer.close();
    guards.close();
    delivery.close();
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
