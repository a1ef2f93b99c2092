/**
 * An evidence pack's manifest: one JSON object a line (manifest.jsonl), each
 * entry naming the sha256 of the line before it (`prev`; the first names 64
 * zeros), so the last line's sha256, the head, commits to every entry and
 * its order. The head is what the pack's signature signs. A line is hashed
 * exactly as written (UTF-8, without its newline): nothing is re-encoded.
 *
 * Entries, in the order a pack writes them: the pack itself; its README; the
 * approvals; the stored campaign; each file of the campaign folder; then what
 * happened to the letters, in time order (a resend asked for, a reset, each
 * letter sent, a bounce, a readdress, each with who did it); the report last.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const MANIFEST_FORMAT = 'annual-review-mailer evidence 1';
export const GENESIS = '0'.repeat(64);

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 hex digits)');
const at = z.iso.datetime();
const path = z.string().min(1);

const who = { authority: z.string().min(1), recipient: z.string().min(1) };

export const entrySchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('pack'),
      format: z.literal(MANIFEST_FORMAT),
      campaign: z.string().min(1),
      /** An information request's pack: this authority's letters only; null for the whole campaign. */
      authority: z.string().min(1).nullable(),
      generatedAt: at,
      by: z.string(),
      keyFingerprint: sha256,
    }),
    z.strictObject({ type: z.literal('readme'), path, sha256 }),
    z.strictObject({
      type: z.literal('approval'),
      path,
      sha256,
      /** The approval's own sha256 (over its files' names and hashes). */
      approval: sha256,
      by: z.string(),
      at,
    }),
    z.strictObject({
      type: z.literal('stored-campaign'),
      path,
      sha256,
      version: z.string(),
      /** The approval `run` or `schedule` checked the stored campaign against. */
      approvalSha256: sha256.nullable(),
    }),
    z.strictObject({
      type: z.literal('campaign-file'),
      /** Its name in the campaign folder, as the approval lists it. */
      name: z.string().min(1),
      approvedSha256: sha256,
      /** whole: the approved file; excerpt: its header and one authority's rows; left-out: not in this pack. */
      form: z.enum(['whole', 'excerpt', 'left-out']),
      path: path.nullable(),
      sha256: sha256.nullable(),
    }),
    z.strictObject({
      type: z.literal('resend-requested'),
      at,
      ...who,
      resendOf: z.string(),
      by: z.string(),
      reason: z.string(),
    }),
    z.strictObject({ type: z.literal('reset'), at, ...who, by: z.string() }),
    z.strictObject({
      type: z.literal('sent'),
      at,
      ...who,
      role: z.string(),
      email: z.string(),
      messageId: z.string(),
      approvalSha256: sha256.nullable(),
      queueId: z.string().nullable(),
      response: z.string(),
      /** The worker's claim that sent it. */
      by: z.string(),
      path: path.nullable(),
      sha256: sha256.nullable(),
      /** Why there is no message in the pack (sent before messages were kept, or gone from the store). */
      missing: z.string().optional(),
    }),
    z.strictObject({
      type: z.literal('bounced'),
      at,
      ...who,
      email: z.string(),
      messageId: z.string(),
      diagnostic: z.string(),
      by: z.string(),
    }),
    z.strictObject({
      type: z.literal('readdressed'),
      at,
      ...who,
      by: z.string(),
      from: z.string(),
      to: z.string(),
      reason: z.string(),
      /** The Message-ID of the letter that did not arrive. */
      messageId: z.string(),
    }),
    z.strictObject({ type: z.literal('report'), path, sha256, rows: z.number().int().min(0) }),
  ],
  { error: 'unknown entry type' },
);

export type ManifestEntry = z.infer<typeof entrySchema>;
export type EntryOf<T extends ManifestEntry['type']> = Extract<ManifestEntry, { type: T }>;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Builds the manifest entry by entry, chaining each to the one before. */
export class ManifestWriter {
  private readonly lines: string[] = [];
  private previous = GENESIS;

  /** Appends an entry; returns its seq. */
  add(entry: ManifestEntry): number {
    const seq = this.lines.length + 1;
    const line = JSON.stringify({ seq, prev: this.previous, ...entry });
    this.lines.push(line);
    this.previous = sha256Hex(line);
    return seq;
  }

  get count(): number {
    return this.lines.length;
  }

  /** sha256 of the last line: what the signature signs. */
  get head(): string {
    return this.previous;
  }

  text(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }
}

/** What the signature signs: the format, the campaign, how many entries, and the head. */
export function signedText(campaign: string, entries: number, head: string): string {
  return `${MANIFEST_FORMAT}\ncampaign ${campaign}\nentries ${entries}\nhead ${head}\n`;
}

export const signatureSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  algorithm: z.literal('Ed25519'),
  campaign: z.string().min(1),
  entries: z.number().int().min(1),
  head: sha256,
  keyFingerprint: sha256,
  /** Ed25519 over signedText(campaign, entries, head), base64. */
  signature: z.string().min(1),
});

export type PackSignature = z.infer<typeof signatureSchema>;

export interface ReadLine {
  /** 1-based line number in manifest.jsonl. */
  line: number;
  text: string;
  /** sha256 of the line as written. */
  hash: string;
  seq: number;
  prev: string;
  entry: ManifestEntry;
}

/** The manifest's lines, each parsed and checked against its schema; a problem names the line and field. */
export function readManifest(text: string): { lines: ReadLine[] } | { problem: string } {
  if (text.length > 0 && !text.endsWith('\n')) return { problem: 'manifest.jsonl does not end with a line break: it was cut short' };
  const lines: ReadLine[] = [];
  const raw = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  for (const [i, line] of raw.entries()) {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return { problem: `manifest.jsonl:${i + 1}: not a JSON object` };
    }
    const head = z.object({ seq: z.number().int().min(1), prev: sha256 }).safeParse(json);
    if (!head.success) return { problem: `manifest.jsonl:${i + 1}: ${issueText(head.error)}` };
    const { seq: _seq, prev: _prev, ...rest } = json as Record<string, unknown>;
    const entry = entrySchema.safeParse(rest);
    if (!entry.success) return { problem: `manifest.jsonl:${i + 1}: ${issueText(entry.error)}` };
    lines.push({ line: i + 1, text: line, hash: sha256Hex(line), seq: head.data.seq, prev: head.data.prev, entry: entry.data });
  }
  return { lines };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'entry'}: ${issue.message}`;
}

/** "sent alpha/ceo at 2026-05-21T09:00:01.000Z": an entry as a person would name it. */
export function describeEntry(entry: ManifestEntry): string {
  switch (entry.type) {
    case 'pack':
      return `the pack's own entry (campaign ${entry.campaign})`;
    case 'readme':
    case 'stored-campaign':
    case 'report':
    case 'approval':
      return `${entry.type} ${entry.path}`;
    case 'campaign-file':
      return `campaign file ${entry.name}`;
    default:
      return `${entry.type} ${entry.authority}/${entry.recipient} at ${entry.at}`;
  }
}
