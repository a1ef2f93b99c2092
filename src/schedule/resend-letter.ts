/**
 * Resending one letter that was delivered (a chief executive asks for it
 * again): a new delivery, never a reset of the old one. It gets its own key
 * in the ledger ("ceo~resend-1"), its own Message-ID, a record of who asked
 * and why, and its own job, which sends only that letter. The ledger keeps
 * the new delivery to one send, as any other; the original stays `sent`.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { EVENT, isTestCampaign, ResendRefused } from '../domain/index.js';
import type { Ledger } from '../storage/ledger.js';
import { type LetterJobData, letterJobOptions, type RetryPolicy, resendJobId } from './queues.js';

export interface ResendRequest {
  authorityId: string;
  recipient: string;
  by: string;
  reason: string;
}

export interface ResendResult {
  /** The new delivery's key, e.g. "ceo~resend-1". */
  key: string;
  messageId: string;
  resendOf: string;
  jobId: string;
}

export async function resendLetter(
  target: { ledger: Ledger; letters: Queue<LetterJobData>; campaignId: string; policy: RetryPolicy; deliveryLog: Logger },
  request: ResendRequest,
): Promise<ResendResult> {
  const { authorityId, recipient } = request;
  if (!request.by.trim() || !request.reason.trim())
    throw new ResendRefused('a resend needs --by (who asks) and --reason (why): both are recorded');
  const original = await target.ledger.get(authorityId, recipient);
  if (!original) throw new ResendRefused(`no delivery ${authorityId}/${recipient} in campaign ${target.campaignId}`);
  if (original.status !== 'sent') {
    throw new ResendRefused(
      `delivery ${authorityId}/${recipient} is ${original.status}, not sent: use \`retry --campaign ${target.campaignId} --authority ${authorityId}\` for a letter that never arrived`,
    );
  }
  let earlier = 0;
  for await (const r of target.ledger.records(authorityId)) if (r.recipient.startsWith(`${recipient}~resend-`)) earlier++;
  const key = `${recipient}~resend-${earlier + 1}`;
  // The worker computes the same id (letterMessageId with the resend's key): one Message-ID per delivery.
  const messageId = original.messageId.replace(`.${recipient}@`, `.${key}@`);
  const note = { resendOf: original.messageId, resentBy: request.by, resendReason: request.reason };
  const added = await target.ledger.seedResend(
    { authorityId, recipient: key, role: original.role, email: original.email, messageId },
    note,
  );
  if (!added)
    throw new ResendRefused(
      `another resend of ${authorityId}/${recipient} was recorded at the same moment; look at the report, then try again`,
    );
  const jobId = resendJobId(target.campaignId, authorityId, key);
  const data: LetterJobData = {
    campaign: target.campaignId,
    authorityId,
    resend: { recipient, key },
    ...(isTestCampaign(target.campaignId) ? { test: true } : {}),
  };
  await target.letters.add('letter', data, { ...letterJobOptions(target.policy), jobId });
  await (await target.letters.getJob(jobId))?.log(`resend of ${recipient} requested by ${request.by}: ${request.reason}`);
  target.deliveryLog.info(
    {
      event: EVENT.deliveryResendRequested,
      campaign: target.campaignId,
      authorityId,
      recipient: key,
      email: original.email,
      messageId,
      resendOf: original.messageId,
      by: request.by,
      reason: request.reason,
    },
    'delivery.resend-requested',
  );
  return { key, messageId, resendOf: original.messageId, jobId };
}
