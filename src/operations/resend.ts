/**
 * Resending one letter that was delivered (a chief executive asks for it
 * again): a new delivery, never a reset of the old one. It gets its own key
 * in the ledger ("ceo~resend-1"), its own Message-ID, a record of who asked
 * and why, and its own job, which sends only that letter. The ledger keeps
 * the new delivery to one send, as any other; the original stays `sent`.
 * Only this operation creates a resend key: a worker refuses a resend job
 * whose key has no record made here.
 */
import { EVENT, isTestCampaign, letterMessageId, parseLetterMessageId, parseResendKey, ResendRefused, resendKey } from '../domain/index.js';
import { type LetterJobData, letterJobOptions, resendJobId } from '../schedule/queues.js';
import type { OperationsContext } from './context.js';

export interface ResendRequest {
  campaignId: string;
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

export async function resendLetter(ctx: OperationsContext, request: ResendRequest): Promise<ResendResult> {
  const { campaignId, authorityId, recipient } = request;
  const ledger = ctx.storage.ledger(campaignId);
  if (!request.by.trim() || !request.reason.trim())
    throw new ResendRefused('a resend needs --by (who asks) and --reason (why): both are recorded');
  if (parseResendKey(recipient)) throw new ResendRefused(`${recipient} is itself a resend; resend the original recipient's letter`);
  const original = await ledger.get(authorityId, recipient);
  if (!original) throw new ResendRefused(`no delivery ${authorityId}/${recipient} in campaign ${campaignId}`);
  if (original.status !== 'sent') {
    throw new ResendRefused(
      `delivery ${authorityId}/${recipient} is ${original.status}, not sent: use \`retry --campaign ${campaignId} --authority ${authorityId}\` for a letter that never arrived`,
    );
  }
  let earlier = 0;
  for await (const r of ledger.records(authorityId)) if (parseResendKey(r.recipient)?.recipient === recipient) earlier++;
  const key = resendKey(recipient, earlier + 1);
  // The worker computes the same id for the same key: one Message-ID per delivery.
  const messageId = letterMessageId(campaignId, authorityId, key, parseLetterMessageId(original.messageId)?.domain ?? 'localhost');
  const note = { resendOf: original.messageId, resentBy: request.by, resendReason: request.reason };
  const added = await ledger.seedResend({ authorityId, recipient: key, role: original.role, email: original.email, messageId }, note);
  if (!added)
    throw new ResendRefused(
      `another resend of ${authorityId}/${recipient} was recorded at the same moment; look at the report, then try again`,
    );
  const jobId = resendJobId(campaignId, authorityId, key);
  const data: LetterJobData = {
    campaign: campaignId,
    authorityId,
    resend: { recipient, key },
    ...(isTestCampaign(campaignId) ? { test: true as const } : {}),
  };
  await ctx.letters.add('letter', data, { ...letterJobOptions(ctx.policy), jobId });
  await (await ctx.letters.getJob(jobId))?.log(`resend of ${recipient} requested by ${request.by}: ${request.reason}`);
  ctx.deliveryLog.info(
    {
      event: EVENT.deliveryResendRequested,
      campaign: campaignId,
      authorityId,
      recipient: key,
      email: original.email,
      messageId,
      resendOf: original.messageId,
      by: request.by,
      reason: request.reason,
    },
    EVENT.deliveryResendRequested,
  );
  return { key, messageId, resendOf: original.messageId, jobId };
}
