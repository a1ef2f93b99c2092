/**
 * Delivering one letter job: the workers' use case. Check the job is one the
 * fan-out or an operation wrote; load the stored campaign and authority;
 * render every copy and make the attachments (its PDF, its own files) before
 * claiming anyone; then for each recipient claim it in the ledger, send,
 * record the outcome, log it. The claim is what makes a retried job safe: a
 * recipient already `sent`, or claimed by a live worker, is skipped.
 *
 * A test run's letters are marked as a test and handed to a provider that
 * sends them all to its test inbox (src/send/test-inbox-provider.ts).
 *
 * A real run's message is kept in the evidence store (EVIDENCE_DIR) before
 * the relay sees any of it, and its outcome records the message's sha256,
 * the approval the campaign was stored under and the relay's queue id, in
 * the same ledger write and delivery-log line as before: no extra Redis
 * round trip per letter (the approval is read once per job, beside the
 * authority). A test run's letters, which reach only the test inbox, are
 * not kept.
 */
import type { Logger } from 'pino';
import type { Verp } from '../bounce/verp.js';
import {
  type Authority,
  type AuthorityResult,
  type Campaign,
  EVENT,
  getsOwnAttachments,
  isTestCampaign,
  JobRefused,
  letterMessageId,
  type MailAttachment,
  mailDomain,
  type Recipient,
  type RecipientResult,
  type RenderedLetter,
  recipientsOf,
} from '../domain/index.js';
import { type EvidenceStore, keepUntil } from '../evidence/evidence-store.js';
import { FolderEvidenceStore } from '../evidence/folder-store.js';
import type { LetterSource } from '../render/letter-renderer.js';
import type { PdfPrinter } from '../render/pdf/pdf-printer.js';
import { compileTestNotice, markedAsTest, type TestNotice } from '../render/test-notice.js';
import { type LetterJobData, letterJobSchema } from '../schedule/queues.js';
import { letterAttachments } from '../send/letter-attachments.js';
import type { Address, ComposedMessage, MailProvider } from '../send/mail-provider.js';
import { toTestInbox } from '../send/test-inbox-provider.js';
import type { Ledger } from '../storage/ledger.js';
import { CampaignRenderers } from './campaign-renderers.js';
import type { OperationsContext } from './context.js';

export type { AuthorityResult, RecipientResult };

/** What a worker process brings to its letter jobs, made once per process. */
export interface DeliveryEquipment {
  /** The relay, with RECIPIENT_ALLOWLIST applied (src/send/allowlist-provider.ts). */
  provider: MailProvider;
  printer: PdfPrinter;
  /** Receives `delivery.*` events: the delivery log. */
  deliveryLog: Logger;
  leaseMs: number;
  /** MAIL_FROM, when set, overrides the campaign's From. */
  from?: Address;
  /** Waits for the relay's rate limit (RATE_LIMIT_PER_SECOND) before each send; no wait when unset. */
  throttle?: { acquire(): Promise<unknown> };
  /** With BOUNCE_ADDRESS: each letter's envelope sender is its signed VERP address. Default: the From address. */
  verp?: Verp;
  /** Where each message is kept before it is sent. Default: the folder EVIDENCE_DIR. */
  evidence?: EvidenceStore;
}

export class LetterDelivery {
  private readonly renderers: CampaignRenderers;
  /** Each test run's marks, compiled once. */
  private readonly notices = new Map<string, TestNotice>();
  private readonly evidence: EvidenceStore;

  constructor(
    private readonly ctx: OperationsContext,
    private readonly equipment: DeliveryEquipment,
  ) {
    this.renderers = new CampaignRenderers(ctx.storage.campaigns);
    this.evidence = equipment.evidence ?? new FolderEvidenceStore(ctx.config.EVIDENCE_DIR);
  }

  /** Lets go of the evidence store's open files (the worker is closing). */
  close(): void {
    this.evidence.close();
  }

  /** The job's data, checked: JobRefused (nothing sent) for data that no fan-out or operation wrote. */
  async check(raw: unknown): Promise<LetterJobData> {
    const parsed = letterJobSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new JobRefused(
        `not a letter job this installation wrote: ${issue.path.join('.') || 'data'}: ${issue.message}; nothing was sent`,
      );
    }
    const data = parsed.data;
    if (data.test && !isTestCampaign(data.campaign))
      throw new JobRefused(`job marked as a test, but ${data.campaign} is not a test run; nothing was sent`);
    if (data.resend) {
      // Only the resend operation records a resend's delivery, with the original's Message-ID and who asked.
      const record = await this.ctx.storage.ledger(data.campaign).get(data.authorityId, data.resend.key);
      if (!record?.resendOf || !record.resentBy) {
        throw new JobRefused(
          `resend ${data.authorityId}/${data.resend.key} was never requested (no \`resend\` recorded it); nothing was sent`,
        );
      }
    }
    return data;
  }

  /**
   * One attempt of a letter job, as `owner` (this worker's claim id).
   * Throws JobRefused for data no fan-out or operation wrote, PdfPrintError
   * when the PDF could not be made (nothing claimed: retry), and anything
   * Redis throws.
   */
  async deliver(raw: unknown, owner: string): Promise<AuthorityResult> {
    const job = await this.check(raw);
    const { campaign: campaignId, authorityId } = job;
    const testRun = job.test === true || isTestCampaign(campaignId);
    const [loaded, authority, storedCheck] = await Promise.all([
      this.renderers.get(campaignId),
      this.ctx.storage.campaigns.authority(campaignId, authorityId),
      testRun ? null : this.ctx.storage.approvals.getStored(campaignId),
    ]);
    if (!loaded || !authority) throw new JobRefused(`campaign ${campaignId} or its authority ${authorityId} is not stored in Redis`);
    let renderer: LetterSource = loaded.renderer;
    let provider = this.equipment.provider;
    if (testRun) {
      // A test run's letters go to its test inbox, or nowhere: never to the real recipients.
      const settings = await this.ctx.storage.testRuns.get(campaignId);
      if (!settings) throw new JobRefused(`test run ${campaignId} has no test inbox stored in Redis; nothing was sent`);
      renderer = markedAsTest(renderer, loaded.campaign, settings, this.testNotice(campaignId, settings));
      provider = toTestInbox(provider, settings.to);
    }
    return deliverAuthority(
      {
        ...this.equipment,
        campaign: loaded.campaign,
        renderer,
        provider,
        ledger: this.ctx.storage.ledger(campaignId),
        owner,
        evidence: testRun ? undefined : this.evidence,
        // Only the check of this very version: a campaign stored again since was checked (or not) anew.
        approvalSha256: storedCheck?.version === loaded.version ? storedCheck.approvalSha256 : undefined,
        attachments: () =>
          letterAttachments(
            { printer: this.equipment.printer, store: this.ctx.storage.campaigns },
            campaignId,
            loaded.campaign,
            loaded.renderer,
            authority,
          ),
      },
      authority,
      job.resend,
    );
  }

  private testNotice(campaignId: string, settings: { startedAt: string; notice: Parameters<typeof compileTestNotice>[0] }): TestNotice {
    const key = `${campaignId}/${settings.startedAt}`;
    let notice = this.notices.get(key);
    if (!notice) {
      notice = compileTestNotice(settings.notice);
      this.notices.set(key, notice);
    }
    return notice;
  }
}

interface DeliveryContext {
  campaign: Campaign;
  renderer: LetterSource;
  provider: MailProvider;
  ledger: Ledger;
  deliveryLog: Logger;
  /** Identifies this worker's claims in the ledger, e.g. "host:pid:job". */
  owner: string;
  leaseMs: number;
  from?: Address;
  /**
   * What goes with every recipient's copy (the letter's PDF, the authority's
   * own files), made once per job before anyone is claimed: if it throws,
   * nothing was claimed and the job is retried. None when unset.
   */
  attachments?: (authority: Authority) => Promise<MailAttachment[]>;
  throttle?: { acquire(): Promise<unknown> };
  verp?: Verp;
  /** Where each message is kept before it is handed over; a test run keeps none. */
  evidence?: EvidenceStore;
  /** The approval the stored campaign was checked against when `run` or `schedule` stored it. */
  approvalSha256?: string;
}

/**
 * @param resend - a resend: only this recipient's letter, recorded and sent
 *   under its own delivery key ("ceo~resend-1"), so its own ledger record and
 *   Message-ID; the ledger keeps that new delivery to one send as any other.
 */
async function deliverAuthority(
  ctx: DeliveryContext,
  authority: Authority,
  resend?: { recipient: string; key: string },
): Promise<AuthorityResult> {
  const from = ctx.from ?? ctx.campaign.mail.from;
  const recipients = resend ? recipientsOf(authority).filter((r) => r.key === resend.recipient) : recipientsOf(authority);
  if (resend && recipients.length === 0)
    throw new JobRefused(`resend ${resend.key}: authority ${authority.id} has no recipient ${resend.recipient}`);
  // Render every copy before claiming anyone: a template fault must not strand a claim.
  const letters = recipients.map((recipient) => ({
    recipient: resend ? { ...recipient, key: resend.key } : recipient,
    letter: ctx.renderer.render(authority, recipient),
  }));
  const attachments = ctx.attachments ? await ctx.attachments(authority) : [];
  // The authority's own files come last (after the letter's PDF); a copy role gets them only when the campaign says so.
  const withoutOwn = attachments.slice(0, attachments.length - (authority.attachments?.length ?? 0));

  const results: RecipientResult[] = [];
  for (const { recipient, letter } of letters) {
    const theirs = getsOwnAttachments(ctx.campaign, recipient.role) ? attachments : withoutOwn;
    results.push(await deliverOne(ctx, authority, recipient, letter, from, theirs));
  }
  const held = results.filter((r) => r.outcome === 'held-by-other');
  const onlyHeld = held.length > 0 && !results.some((r) => r.outcome === 'temporary-failure');
  return {
    results,
    retryable: results.some((r) => r.outcome === 'temporary-failure' || r.outcome === 'held-by-other'),
    permanent: results.some((r) => r.outcome === 'permanent-failure'),
    ...(onlyHeld ? { retryAfterMs: Math.max(...held.map((r) => r.retryInMs ?? 0)) } : {}),
  };
}

async function deliverOne(
  ctx: DeliveryContext,
  authority: Authority,
  recipient: Recipient,
  letter: RenderedLetter,
  from: Address,
  attachments: readonly MailAttachment[],
): Promise<RecipientResult> {
  const messageId = letterMessageId(ctx.campaign.id, authority.id, recipient.key, mailDomain(ctx.campaign.mail.from.address));
  const fields = {
    campaign: ctx.ledger.namespace,
    authorityId: authority.id,
    recipient: recipient.key,
    role: recipient.role,
    email: recipient.email,
    messageId,
  };
  const claim = await ctx.ledger.claim(
    { authorityId: authority.id, recipient: recipient.key, role: recipient.role, email: recipient.email, messageId },
    ctx.owner,
    ctx.leaseMs,
  );
  const base = { recipient: recipient.key, email: recipient.email };
  if (claim.outcome === 'unacknowledged') {
    // A claim only the primary holds would vanish in a failover, and another worker could send too.
    const response = 'not sent: no replica acknowledged the claim in time; will retry';
    await ctx.ledger.release(authority.id, recipient.key, ctx.owner, response);
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryClaimUnacknowledged, ...fields, attempt: claim.record.attempts, response },
      'delivery.claim-unacknowledged',
    );
    return { ...base, outcome: 'temporary-failure', response, attempted: false };
  }
  if (claim.outcome !== 'claimed') {
    ctx.deliveryLog.info(
      { event: EVENT.deliverySkipped, ...fields, reason: claim.outcome, status: claim.record.status },
      'delivery.skipped',
    );
    const retryInMs = claim.outcome === 'held-by-other' ? claim.retryInMs : undefined;
    return { ...base, outcome: claim.outcome, response: claim.record.response, ...(retryInMs === undefined ? {} : { retryInMs }) };
  }
  const claimedAt = performance.now();
  const attempt = claim.record.attempts;
  // After an operator's readdress the ledger holds the corrected address and that letter's own
  // Message-ID (a test run's provider still sends it to its test inbox).
  if (claim.record.readdresses?.length) {
    fields.email = claim.record.email;
    fields.messageId = claim.record.messageId;
  }
  if (claim.recoveredFrom) {
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryRecovered, ...fields, attempt, previousOwner: claim.recoveredFrom },
      'delivery.recovered: the previous claim expired without an outcome; sending again (same Message-ID)',
    );
  }

  await ctx.throttle?.acquire();
  // Never start a send on a claim that is half gone (a long wait for the rate
  // limit, a starved event loop): give it back and let a retry claim afresh.
  if (performance.now() - claimedAt > ctx.leaseMs / 2) {
    const response = 'not sent: the claim aged past half its lease before the send could start; will retry';
    await ctx.ledger.release(authority.id, recipient.key, ctx.owner, response);
    ctx.deliveryLog.warn({ event: EVENT.deliveryDeferred, ...fields, attempt, response }, 'delivery.deferred');
    return { ...base, outcome: 'temporary-failure', response, attempted: false };
  }

  const started = performance.now();
  // While the relay is talking, keep the claim alive: a slow relay must not let a second worker in.
  const keeper = setInterval(
    () => {
      ctx.ledger.extend(authority.id, recipient.key, ctx.owner, ctx.leaseMs).catch(() => {});
    },
    Math.max(250, Math.floor(ctx.leaseMs / 3)),
  );
  const evidence = ctx.evidence;
  const keep = evidence
    ? (message: ComposedMessage) =>
        evidence.keep({
          campaign: ctx.ledger.namespace,
          sha256: message.sha256,
          raw: message.raw,
          keepUntil: keepUntil(new Date(), ctx.campaign.retentionYears),
        })
    : undefined;
  const outcome = await ctx.provider
    .send(
      {
        from,
        replyTo: ctx.campaign.mail.replyTo,
        to: { name: recipient.name, address: fields.email },
        subject: letter.subject,
        html: letter.html,
        text: letter.text,
        messageId: fields.messageId,
        attachments,
        headers: { 'X-Annual-Review': `${ctx.campaign.id}/${authority.id}/${recipient.key}` },
        envelopeFrom: ctx.verp?.address(
          { campaign: ctx.ledger.namespace, authorityId: authority.id, recipient: recipient.key },
          claim.record,
        ),
      },
      { keep },
    )
    .finally(() => clearInterval(keeper));
  // Record the outcome before anything else: this is the window in which a
  // crash would leave a sent letter marked `sending`.
  const status = outcome.outcome === 'sent' ? 'sent' : outcome.outcome === 'permanent' ? 'permanent-failure' : 'temporary-failure';
  const durationMs = Math.round(performance.now() - started);
  // What went to the relay, if anything did: its sha256, the approval it went out under, the relay's queue id.
  const message = {
    ...(outcome.sha256 ? { sha256: outcome.sha256 } : {}),
    ...(outcome.sha256 && ctx.approvalSha256 ? { approvalSha256: ctx.approvalSha256 } : {}),
    ...(outcome.outcome === 'sent' && outcome.queueId ? { queueId: outcome.queueId } : {}),
  };
  const line = { ...fields, email: outcome.to, attempt, response: outcome.response, durationMs, status, ...message };
  const finished = await ctx.ledger
    .finish(authority.id, recipient.key, ctx.owner, status, { response: outcome.response, ...message })
    .catch((error: unknown) => {
      // Redis went away under every attempt: the claim stays `sending` until its lease runs out, then another send.
      ctx.deliveryLog.error(
        { event: EVENT.deliveryOutcomeUnacknowledged, ...line, error: String(error) },
        'delivery.outcome-unacknowledged: the outcome could not be written',
      );
      throw error;
    });

  if (!finished.acknowledged) {
    // Written and rewritten, yet on no replica: a failover now would roll this recipient back to `sending`.
    ctx.deliveryLog.error(
      { event: EVENT.deliveryOutcomeUnacknowledged, ...line },
      'delivery.outcome-unacknowledged: no replica acknowledged the outcome; a failover now could send this letter again',
    );
  }
  if (!finished.ownedClaim) {
    ctx.deliveryLog.warn({ event: EVENT.deliveryClaimLost, ...line }, 'delivery.claim-lost: the lease ran out while sending');
  }
  if (outcome.outcome === 'sent') {
    ctx.deliveryLog.info({ event: EVENT.deliverySent, ...line, reference: outcome.reference }, 'delivery.sent');
  } else {
    ctx.deliveryLog.warn(
      { event: EVENT.deliveryFailed, ...line, failure: outcome.outcome, responseCode: outcome.responseCode },
      'delivery.failed',
    );
  }
  return { ...base, email: outcome.to, outcome: status, response: outcome.response, attempted: true };
}
