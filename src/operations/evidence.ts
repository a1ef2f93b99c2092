/**
 * `evidence`: a signed pack of what was sent, for a council, a journalist or
 * an information request, that a third party checks with nothing but the
 * pack, the public key and `verify` (verify-evidence.ts).
 *
 * The pack holds every kept message (byte for byte as the relay received
 * it), the campaign folder exactly as approved (read from the folder the
 * operator names, every file checked against the approval's sha256), every
 * approval, the campaign as stored for sending, the report, and a manifest
 * whose entries form a hash chain (src/evidence/manifest.ts) signed with
 * EVIDENCE_SIGNING_KEY_FILE. For one authority (`--authority`) only its
 * letters, its report rows, its rows of the CSV files and its own
 * attachments go in; the approvals keep every file's name and sha256, which
 * is what lets the approval be checked.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toCsv } from '../csv-file.js';
import {
  type Approval,
  CampaignNotStoredError,
  type DeliveryRecord,
  EVENT,
  EvidenceRefused,
  isTestCampaign,
  type StoredCheck,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import { FolderEvidenceStore } from '../evidence/folder-store.js';
import { MANIFEST_FORMAT, type ManifestEntry, ManifestWriter, type PackSignature, sha256Hex, signedText } from '../evidence/manifest.js';
import { PACK } from '../evidence/pack-layout.js';
import { type SigningKey, signText } from '../evidence/signing-key.js';
import { compareFiles, describeChanges, fingerprintFiles } from '../safety/fingerprint.js';
import type { OperationsContext } from './context.js';
import { AUTHORITY_COLUMN, excerptRows, otherAuthoritysFile } from './evidence-excerpt.js';
import { timeline } from './evidence-timeline.js';
import { REPORT_COLUMNS, reportRows } from './report.js';

export interface EvidenceRequest {
  campaignId: string;
  /** The campaign folder as it was approved: each file is checked against the approval and copied into the pack. */
  dataDir: string;
  /** A new (or empty) folder for the pack. */
  outDir: string;
  /** An information request: this authority's letters only. */
  authority?: string;
  /** Who made the pack (`--by`). */
  by: string;
  key: SigningKey;
  /** Where the messages were kept. Default: the folder EVIDENCE_DIR. */
  store?: EvidenceStore;
}

export interface EvidencePack {
  dir: string;
  campaign: string;
  authority: string | null;
  entries: number;
  head: string;
  keyFingerprint: string;
  /** The approval whose folder is in the pack. */
  approval: Approval;
  /** Letters sent (entries of type `sent`). */
  letters: number;
  /** Sent letters without their message: no sha256 recorded (sent before messages were kept), or gone from the store. */
  missing: string[];
  /** Sent letters that went out under another approval than the folder's (or none recorded): `verify` cannot re-render them. */
  otherApproval: string[];
}

export async function makeEvidencePack(ctx: OperationsContext, request: EvidenceRequest): Promise<EvidencePack> {
  const { campaignId, authority = null } = request;
  if (isTestCampaign(campaignId)) {
    throw new EvidenceRefused(`${campaignId} is a test run: its letters went only to its test inbox, and none were kept`);
  }
  const stored = await ctx.storage.campaigns.load(campaignId);
  if (!stored) throw new CampaignNotStoredError(campaignId);
  if (authority && !(await ctx.storage.campaigns.authority(campaignId, authority))) {
    throw new EvidenceRefused(`campaign ${campaignId} has no authority ${authority}`);
  }
  const [approvals, check] = await Promise.all([ctx.storage.approvals.history(campaignId), ctx.storage.approvals.getStored(campaignId)]);
  const approval = await folderApproval(campaignId, request.dataDir, approvals, check);
  await emptyFolder(request.outDir);

  const store = request.store ?? new FolderEvidenceStore(ctx.config.EVIDENCE_DIR);
  const manifest = new ManifestWriter();
  const write = async (path: string, bytes: Buffer | string): Promise<string> => {
    const target = join(request.outDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    return sha256Hex(bytes);
  };

  manifest.add({
    type: 'pack',
    format: MANIFEST_FORMAT,
    campaign: campaignId,
    authority,
    generatedAt: new Date().toISOString(),
    by: request.by,
    keyFingerprint: request.key.fingerprint,
  });
  manifest.add({ type: 'readme', path: PACK.readme, sha256: await write(PACK.readme, readme(campaignId, authority, request.key)) });
  for (const a of approvals) {
    const path = PACK.approval(a.sha256);
    manifest.add({
      type: 'approval',
      path,
      sha256: await write(path, `${JSON.stringify(a, null, 2)}\n`),
      approval: a.sha256,
      by: a.by,
      at: a.at,
    });
  }
  // One authority's pack leaves out the check's file list: it names other authorities' own files (the approval has it).
  const storedCheck = check && authority ? { ...check, files: undefined } : check;
  const storedJson = {
    campaign: stored.campaign,
    version: stored.version,
    storedAt: new Date(stored.storedAt).toISOString(),
    check: storedCheck,
  };
  manifest.add({
    type: 'stored-campaign',
    path: PACK.storedCampaign,
    sha256: await write(PACK.storedCampaign, `${JSON.stringify(storedJson, null, 2)}\n`),
    version: stored.version,
    approvalSha256: check?.version === stored.version ? check.approvalSha256 : null,
  });
  for (const entry of await copyCampaignFolder(request.dataDir, approval, authority, write)) manifest.add(entry);

  const records: DeliveryRecord[] = [];
  for await (const record of ctx.storage.ledger(campaignId).records()) {
    if (!authority || record.authorityId === authority) records.push(record);
  }
  const missing: string[] = [];
  const otherApproval: string[] = [];
  let letters = 0;
  for (const { event } of timeline(records)) {
    if (event.type !== 'sent') {
      manifest.add(event);
      continue;
    }
    letters++;
    const name = `${event.authority}/${event.recipient} at ${event.at}`;
    if (event.approvalSha256 !== approval.sha256) otherApproval.push(name);
    const bytes = event.sha256 ? await store.read(campaignId, event.sha256) : null;
    if (!bytes || !event.sha256) {
      const why = event.sha256 ? `not in the evidence store (${store.where})` : 'no sha256 recorded: sent before messages were kept';
      missing.push(`${name}: ${why}`);
      manifest.add({ ...event, path: null, missing: why });
      continue;
    }
    const path = PACK.message(event.authority, event.recipient, event.sha256);
    const written = await write(path, bytes);
    if (written !== event.sha256) throw new Error(`the evidence store's ${event.sha256} does not hash to its name (${written})`);
    manifest.add({ ...event, path });
  }

  const rows = (await reportRows(ctx, campaignId)).filter((r) => !authority || r.authority === authority);
  const report = toCsv(rows, REPORT_COLUMNS);
  manifest.add({ type: 'report', path: PACK.report, sha256: await write(PACK.report, report), rows: rows.length });

  await write(PACK.manifest, manifest.text());
  const signature: PackSignature = {
    format: MANIFEST_FORMAT,
    algorithm: 'Ed25519',
    campaign: campaignId,
    entries: manifest.count,
    head: manifest.head,
    keyFingerprint: request.key.fingerprint,
    signature: signText(request.key.privateKey, signedText(campaignId, manifest.count, manifest.head)),
  };
  await write(PACK.signature, `${JSON.stringify(signature, null, 2)}\n`);

  const pack: EvidencePack = {
    dir: request.outDir,
    campaign: campaignId,
    authority,
    entries: manifest.count,
    head: manifest.head,
    keyFingerprint: request.key.fingerprint,
    approval,
    letters,
    missing,
    otherApproval,
  };
  ctx.deliveryLog.info(
    {
      event: EVENT.evidencePacked,
      campaign: campaignId,
      authority,
      by: request.by,
      out: request.outDir,
      entries: pack.entries,
      head: pack.head,
      letters,
      missing: missing.length,
      approvalSha256: approval.sha256,
    },
    EVENT.evidencePacked,
  );
  return pack;
}

/**
 * The approval the folder is exactly: every file hashing as one approval of
 * the campaign listed it. Otherwise a refusal naming each file that differs
 * from the approval the campaign was stored under (or the latest).
 */
async function folderApproval(campaignId: string, dataDir: string, approvals: Approval[], check: StoredCheck | null): Promise<Approval> {
  if (approvals.length === 0) throw new EvidenceRefused(`campaign ${campaignId} was never approved: there is no approved folder to pack`);
  const fingerprint = await fingerprintFiles(dataDir);
  const same = approvals.find((a) => a.sha256 === fingerprint.sha256);
  if (same) return same;
  const against = approvals.find((a) => a.sha256 === check?.approvalSha256) ?? approvals.at(-1)!;
  throw new EvidenceRefused(
    `${dataDir} is not campaign ${campaignId}'s folder as approved: ${describeChanges(compareFiles(against.files, fingerprint.files))} ` +
      `since ${against.by} approved it at ${against.at} (sha256 ${against.sha256}); give the folder exactly as it was approved`,
  );
}

async function emptyFolder(dir: string): Promise<void> {
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) throw new EvidenceRefused(`${dir} is not empty: an evidence pack goes into a new folder`);
  await mkdir(dir, { recursive: true });
}

/**
 * The campaign folder's files into the pack, each read once and checked
 * against the approval as it is copied. For one authority: campaign.json and
 * the templates whole, the CSV files cut to its rows, its own attachments,
 * and nothing else.
 */
async function copyCampaignFolder(
  dataDir: string,
  approval: Approval,
  authority: string | null,
  write: (path: string, bytes: Buffer) => Promise<string>,
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const name of Object.keys(approval.files).sort()) {
    const approvedSha256 = approval.files[name]!;
    const form = authority ? formFor(name, authority) : 'whole';
    // Another authority's own file is not even named: the approval in the pack lists it, with its sha256.
    if (authority && otherAuthoritysFile(name, authority)) continue;
    if (form === 'left-out') {
      entries.push({ type: 'campaign-file', name, approvedSha256, form, path: null, sha256: null });
      continue;
    }
    const bytes = await readFile(join(dataDir, name));
    if (sha256Hex(bytes) !== approvedSha256) {
      throw new EvidenceRefused(`${join(dataDir, name)} changed while the pack was being made; nothing was signed`);
    }
    const content = form === 'excerpt' ? excerptRows(bytes, name, authority!) : bytes;
    const path = PACK.campaignFile(name);
    entries.push({ type: 'campaign-file', name, approvedSha256, form, path, sha256: await write(path, content) });
  }
  return entries;
}

function formFor(name: string, authority: string): 'whole' | 'excerpt' | 'left-out' {
  if (name === 'campaign.json' || name.startsWith('templates/')) return 'whole';
  if (AUTHORITY_COLUMN[name]) return 'excerpt';
  if (name.startsWith(`attachments/${authority}/`)) return 'whole';
  return 'left-out';
}

function readme(campaignId: string, authority: string | null, key: SigningKey): string {
  return [
    `Evidence pack: campaign ${campaignId}${authority ? `, the letters to ${authority} only` : ''}.`,
    '',
    'What was sent, to whom and when, under which approval, as recorded when each letter was handed',
    'to the mail relay. manifest.jsonl lists every file and event; each line holds the sha256 of the',
    "line before it, and signature.json signs the last line's sha256 with the Ombudsman's Ed25519 key.",
    '',
    `  messages/     each letter as the relay received it (.eml: open it in any mail program)`,
    `  campaign/     the campaign folder as approved${authority ? " (the CSV files cut to this authority's rows)" : ''}`,
    '  approvals/    every approval: who, when, and the sha256 of each file approved',
    '  report.csv    one row per delivery',
    '',
    'To check it, with the public key (annual-review-mailer evidence-key prints it):',
    '',
    '  annual-review-mailer verify THIS-FOLDER --key evidence-public.pem',
    '',
    `The key that signed it has the fingerprint (sha256 of its public key) ${key.fingerprint}.`,
    '',
  ].join('\n');
}
