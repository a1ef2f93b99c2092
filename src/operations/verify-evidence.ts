/**
 * `verify DIR`: checks an evidence pack with nothing but the pack and the
 * public key, and names the first thing that does not match:
 *   1. the manifest's hash chain: each entry names the sha256 of the one
 *      before, numbered in order (an entry removed, moved or changed breaks it);
 *   2. the signature: Ed25519, by the key given, over the chain's head and
 *      length (entries cut from the end, a changed last entry, another key);
 *   3. every file: it hashes as its entry says (a message edited by one
 *      byte; a campaign file changed after approval), and no file is in the
 *      pack that the manifest does not list;
 *   4. the approvals add up, the stored campaign is the one checked against
 *      its approval, and the campaign folder is one approval's files;
 *   5. every letter: made from the approved files. Its subject, HTML and text
 *      are rendered again from the pack's campaign folder and compared with
 *      the message, as are its Message-ID, its addressee and the authority's
 *      own attached files. The letter's PDF is printed again only when asked
 *      (`printer`): Chromium prints the same bytes only in the same version.
 * Reads only the pack; needs no Redis, no relay and no secret.
 */
import type { KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type AddressObject, simpleParser } from 'mailparser';
import { campaignTemplatesDir, loadDataSet } from '../data/load-data-set.js';
import {
  type Approval,
  baseRecipient,
  type Campaign,
  getsOwnAttachments,
  letterPdfName,
  recipientsOf,
  type StoredCheck,
} from '../domain/index.js';
import {
  describeEntry,
  type EntryOf,
  GENESIS,
  type ManifestEntry,
  type ReadLine,
  readManifest,
  sha256Hex,
  signatureSchema,
  signedText,
} from '../evidence/manifest.js';
import { PACK } from '../evidence/pack-layout.js';
import { verifyText } from '../evidence/signing-key.js';
import { createLetterRenderer, type LetterRenderer } from '../render/letter-renderer.js';
import type { PdfPrinter } from '../render/pdf/pdf-printer.js';
import { compareFiles, describeChanges, digest } from '../safety/fingerprint.js';
import { otherAuthoritysFile } from './evidence-excerpt.js';

export interface VerifyRequest {
  dir: string;
  publicKey: KeyObject;
  /** sha256 of the public key given, for the messages. */
  fingerprint: string;
  /** Print each authority's letter PDF again and compare the bytes. Default: not printed. */
  printer?: PdfPrinter;
}

export interface VerifiedPack {
  campaign: string;
  authority: string | null;
  entries: number;
  head: string;
  /** Letters re-rendered from the approved files and found identical. */
  letters: number;
  /** Letter PDFs printed again and found identical (0 unless a printer was given). */
  pdfs: number;
  /** Letter PDFs in the messages that were not printed again. */
  pdfsNotPrinted: number;
  approval: string;
}

export type Verdict = { ok: true; pack: VerifiedPack } | { ok: false; problem: string };

/** The first thing that does not match, as `verify` says it. */
class Mismatch extends Error {}

export async function verifyEvidencePack(request: VerifyRequest): Promise<Verdict> {
  try {
    return { ok: true, pack: await verify(request) };
  } catch (error) {
    if (error instanceof Mismatch) return { ok: false, problem: error.message };
    throw error;
  }
}

async function verify(request: VerifyRequest): Promise<VerifiedPack> {
  const { dir } = request;
  const manifestText = await readPackFile(dir, PACK.manifest);
  const read = readManifest(manifestText.toString('utf8'));
  if ('problem' in read) throw new Mismatch(read.problem);
  const { lines } = read;
  if (lines.length === 0) throw new Mismatch('manifest.jsonl has no entries');
  checkChain(lines);
  const pack = lines[0]!.entry;
  if (pack.type !== 'pack') throw new Mismatch(`manifest.jsonl:1 is ${describeEntry(pack)}, not the pack's own entry`);
  checkSignature(await readPackFile(dir, PACK.signature), lines, pack, request);
  await checkFiles(dir, lines);

  const entries = lines.map((l) => l.entry);
  const approvals = await readApprovals(dir, lines);
  const folder = folderApproval(entries, approvals, pack.authority);
  const stored = await checkStoredCampaign(dir, entries, approvals);
  const letters = await checkLetters(dir, lines, folder, stored, request.printer);
  return {
    campaign: pack.campaign,
    authority: pack.authority,
    entries: lines.length,
    head: lines.at(-1)!.hash,
    approval: folder.sha256,
    ...letters,
  };
}

async function readPackFile(dir: string, path: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Mismatch(`${path} is missing from the pack`);
    throw error;
  }
}

const at = (l: ReadLine) => `manifest.jsonl:${l.line} (entry ${l.seq}, ${describeEntry(l.entry)})`;

/** Each line is the next entry, and names the sha256 of the line before it. */
function checkChain(lines: readonly ReadLine[]): void {
  for (const [i, l] of lines.entries()) {
    const expected = i + 1;
    if (l.seq !== expected) {
      const elsewhere = lines.find((other) => other.seq === expected);
      throw new Mismatch(
        elsewhere
          ? `entries out of order: manifest.jsonl:${l.line} is entry ${l.seq} (${describeEntry(l.entry)}), and entry ${expected} is at line ${elsewhere.line}`
          : `entry ${expected} is missing: manifest.jsonl:${l.line} is entry ${l.seq} (${describeEntry(l.entry)}); the chain was cut there`,
      );
    }
    const before = i === 0 ? GENESIS : lines[i - 1]!.hash;
    if (l.prev !== before) {
      throw new Mismatch(
        i === 0
          ? `${at(l)} names a line before it, but it is the first: entries before it were removed`
          : `${at(l)} does not follow the line before it: it names sha256 ${l.prev}, and manifest.jsonl:${i} hashes to ${before}; ` +
              'that entry was changed, or entries were removed, added or moved',
      );
    }
  }
}

function checkSignature(bytes: Buffer, lines: readonly ReadLine[], pack: EntryOf<'pack'>, request: VerifyRequest): void {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Mismatch('signature.json is not JSON');
  }
  const parsed = signatureSchema.safeParse(json);
  if (!parsed.success) throw new Mismatch(`signature.json: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const signature = parsed.data;
  const head = lines.at(-1)!.hash;
  if (signature.entries !== lines.length) {
    throw new Mismatch(
      `the manifest has ${lines.length} entries and was signed with ${signature.entries}: ` +
        (signature.entries > lines.length ? 'entries were removed since it was signed' : 'entries were added since it was signed'),
    );
  }
  if (signature.head !== head) {
    throw new Mismatch(
      `${at(lines.at(-1)!)} is not the entry that was signed: it hashes to ${head}, the signature is over ${signature.head}`,
    );
  }
  if (signature.campaign !== pack.campaign) {
    throw new Mismatch(`signature.json is for campaign ${signature.campaign}; the manifest is campaign ${pack.campaign}'s`);
  }
  if (!verifyText(request.publicKey, signedText(signature.campaign, signature.entries, signature.head), signature.signature)) {
    throw new Mismatch(
      signature.keyFingerprint !== request.fingerprint
        ? `the pack was signed with another key: signature.json names key ${signature.keyFingerprint}, and its signature does not verify with the key given (${request.fingerprint})`
        : `signature.json does not verify with the key given (${request.fingerprint}): the manifest was changed and signed again, or the signature altered`,
    );
  }
  if (pack.keyFingerprint !== signature.keyFingerprint) {
    throw new Mismatch(`the pack's entry names key ${pack.keyFingerprint}, but signature.json names key ${signature.keyFingerprint}`);
  }
}

/** Every file an entry names hashes as it says, and the pack holds no file the manifest does not list. */
async function checkFiles(dir: string, lines: readonly ReadLine[]): Promise<void> {
  const listed = new Set<string>([PACK.manifest, PACK.signature]);
  for (const l of lines) {
    const file = fileOf(l.entry);
    if (!file) continue;
    listed.add(file.path);
    const bytes = await readPackFile(dir, file.path);
    const actual = sha256Hex(bytes);
    if (actual === file.sha256) continue;
    const e = l.entry;
    if (e.type === 'campaign-file' && e.form === 'whole') {
      throw new Mismatch(
        `${file.path} is not the file that was approved: it hashes to ${actual}, the approval and ${at(l)} say ${file.sha256}; it was changed after approval`,
      );
    }
    throw new Mismatch(
      `${file.path} does not match ${at(l)}: it hashes to ${actual}, the entry says ${file.sha256}; ` +
        (e.type === 'sent' ? 'the message was changed after it was recorded' : 'the file was changed after the pack was made'),
    );
  }
  const present = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
  const extra = present.find((path) => !listed.has(path));
  if (extra) throw new Mismatch(`${extra} is in the pack but not in its manifest: it was added afterwards`);
}

function fileOf(entry: ManifestEntry): { path: string; sha256: string } | null {
  if (!('path' in entry) || !entry.path || !('sha256' in entry) || !entry.sha256) return null;
  return { path: entry.path, sha256: entry.sha256 };
}

async function readJson(dir: string, path: string): Promise<unknown> {
  try {
    return JSON.parse((await readPackFile(dir, path)).toString('utf8'));
  } catch (error) {
    if (error instanceof Mismatch) throw error;
    throw new Mismatch(`${path} is not JSON`);
  }
}

async function readApprovals(dir: string, lines: readonly ReadLine[]): Promise<Map<string, Approval>> {
  const approvals = new Map<string, Approval>();
  for (const l of lines) {
    if (l.entry.type !== 'approval') continue;
    const approval = (await readJson(dir, l.entry.path)) as Approval;
    if (typeof approval?.files !== 'object' || approval.sha256 !== l.entry.approval) {
      throw new Mismatch(`${l.entry.path} is not the approval ${at(l)} names`);
    }
    if (digest(approval.files) !== approval.sha256) {
      throw new Mismatch(`${l.entry.path} does not add up: its sha256 is not the sha256 of the files it lists`);
    }
    approvals.set(approval.sha256, approval);
  }
  if (approvals.size === 0) throw new Mismatch('the pack holds no approval');
  return approvals;
}

/** The approval whose files the pack's campaign folder is: every file it lists, each with the sha256 it approved. */
/**
 * The approval whose files the pack's campaign folder is: every file it
 * lists, each with the sha256 it approved. One authority's pack does not
 * name other authorities' own files; the approval still lists them.
 */
function folderApproval(entries: readonly ManifestEntry[], approvals: Map<string, Approval>, authority: string | null): Approval {
  const files = entries.filter((e): e is EntryOf<'campaign-file'> => e.type === 'campaign-file');
  if (files.length === 0) throw new Mismatch('the pack holds no campaign folder');
  const named = Object.fromEntries(files.map((f) => [f.name, f.approvedSha256]));
  const expected = (approval: Approval) =>
    authority
      ? Object.fromEntries(Object.entries(approval.files).filter(([name]) => !otherAuthoritysFile(name, authority)))
      : approval.files;
  for (const approval of approvals.values()) if (compareFiles(expected(approval), named).length === 0) return approval;
  const latest = [...approvals.values()].at(-1)!;
  throw new Mismatch(
    `the campaign folder in the pack is no approval's files: against ${latest.by}'s approval of ${latest.at}, ${describeChanges(compareFiles(expected(latest), named))}`,
  );
}

/** The stored campaign: checked against an approval in the pack, with that approval's files. */
async function checkStoredCampaign(dir: string, entries: readonly ManifestEntry[], approvals: Map<string, Approval>): Promise<Campaign> {
  const entry = entries.find((e): e is EntryOf<'stored-campaign'> => e.type === 'stored-campaign');
  if (!entry) throw new Mismatch('the pack holds no stored campaign');
  const stored = (await readJson(dir, entry.path)) as { campaign?: Campaign; version?: string; check?: StoredCheck | null };
  if (!stored.campaign || stored.version !== entry.version) throw new Mismatch(`${entry.path} is not the stored campaign its entry names`);
  if (entry.approvalSha256) {
    const approval = approvals.get(entry.approvalSha256);
    if (!approval) throw new Mismatch(`${entry.path} was checked against approval ${entry.approvalSha256}, which is not in the pack`);
    // One authority's pack leaves out the check's file list; the approval's sha256 still names them all.
    const changes = stored.check?.files ? compareFiles(approval.files, stored.check.files) : [];
    if (stored.check?.approvalSha256 !== entry.approvalSha256 || changes.length > 0) {
      throw new Mismatch(
        `${entry.path}'s check is not of approval ${entry.approvalSha256}'s files${changes.length ? `: ${describeChanges(changes)}` : ''}`,
      );
    }
  }
  return stored.campaign;
}

interface LetterCounts {
  letters: number;
  pdfs: number;
  pdfsNotPrinted: number;
}

/** Every letter sent: its message is the letter the approved files make. */
async function checkLetters(
  dir: string,
  lines: readonly ReadLine[],
  folder: Approval,
  stored: Campaign,
  printer: PdfPrinter | undefined,
): Promise<LetterCounts> {
  const campaignDir = join(dir, PACK.campaignFolder);
  const templatesDir = campaignTemplatesDir(campaignDir);
  const loaded = await loadDataSet(campaignDir, { templatesDir });
  if (!loaded.campaign) throw new Mismatch(`campaign/campaign.json in the pack is not a valid campaign`);
  const campaign = loaded.campaign;
  if (JSON.stringify(campaign) !== JSON.stringify(stored)) {
    throw new Mismatch(
      `${PACK.storedCampaign} is not the campaign campaign/campaign.json declares: the campaign stored for sending differs`,
    );
  }
  const authorities = new Map(loaded.validAuthorities.map((a) => [a.id, a]));
  let renderer: LetterRenderer | undefined;
  const pdfs = new Map<string, Buffer>();
  const counts: LetterCounts = { letters: 0, pdfs: 0, pdfsNotPrinted: 0 };
  for (const l of lines) {
    const entry = l.entry;
    if (entry.type !== 'sent') continue;
    if (!entry.path) throw new Mismatch(`${at(l)} has no message: ${entry.missing ?? 'none was kept'}`);
    if (entry.approvalSha256 !== folder.sha256) {
      throw new Mismatch(
        `${at(l)} went out under ${entry.approvalSha256 ? `approval ${entry.approvalSha256}` : 'no recorded approval'}, ` +
          `but the pack's campaign folder is approval ${folder.sha256}'s: it cannot be made again from this pack`,
      );
    }
    const authority = authorities.get(entry.authority);
    if (!authority) {
      const problems = loaded.problems.filter((p) => p.authorityId === entry.authority);
      throw new Mismatch(
        `${at(l)}: authority ${entry.authority} is not a valid row of the pack's campaign folder` +
          (problems.length ? ` (${problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.reason}`).join('; ')})` : ''),
      );
    }
    const base = recipientsOf(authority).find((r) => r.key === baseRecipient(entry.recipient));
    if (!base) throw new Mismatch(`${at(l)}: ${entry.authority} has no recipient ${entry.recipient} in the pack's campaign folder`);
    renderer ??= await createLetterRenderer(campaign, { templatesDir });
    const expected = renderer.render(authority, { ...base, key: entry.recipient });
    const message = await simpleParser(await readFile(join(dir, entry.path)));
    const where = `${entry.path} (${at(l)})`;
    const same = (what: string, actual: string | undefined, wanted: string) => {
      const difference = firstDifference(actual ?? '', wanted);
      if (difference) throw new Mismatch(`${where} is not the letter the approved files make: its ${what} differs ${difference}`);
    };
    same('Message-ID', message.messageId, entry.messageId);
    same('addressee', addressOf(message.to), entry.email);
    same(
      'X-Annual-Review header',
      String(message.headers.get('x-annual-review') ?? ''),
      `${campaign.id}/${entry.authority}/${entry.recipient}`,
    );
    same('subject', message.subject, expected.subject);
    same('text', message.text, expected.text);
    same('HTML', typeof message.html === 'string' ? message.html : '', expected.html);
    const attached = message.attachments.map((a) => ({ name: a.filename ?? '', content: a.content }));
    let next = 0;
    if (campaign.letterAs !== 'body') {
      const pdf = attached[next++];
      const name = letterPdfName(campaign.reportingYear, authority.name);
      if (pdf?.name !== name || pdf.content.subarray(0, 5).toString('latin1') !== '%PDF-') {
        throw new Mismatch(`${where} is not the letter the approved files make: its first attachment is not the letter's PDF "${name}"`);
      }
      if (printer) {
        let printed = pdfs.get(authority.id);
        if (!printed) {
          printed = await printer.print(renderer.document(authority).html, { date: campaign.letterDate });
          pdfs.set(authority.id, printed);
        }
        if (!printed.equals(pdf.content)) {
          throw new Mismatch(
            `${where}: its PDF is not the one the approved files print (sha256 ${sha256Hex(pdf.content)} vs ${sha256Hex(printed)})`,
          );
        }
        counts.pdfs++;
      } else counts.pdfsNotPrinted++;
    }
    // The authority's own files go to the chief executive and to the copy roles the campaign names (ownAttachments).
    for (const file of getsOwnAttachments(campaign, base.role) ? (authority.attachments ?? []) : []) {
      const sent = attached[next++];
      const own = await readFile(join(campaignDir, 'attachments', authority.id, file.name)).catch(() => null);
      if (!sent || sent.name !== file.name || !own || !own.equals(sent.content)) {
        throw new Mismatch(
          `${where} is not the letter the approved files make: its attachment ${file.name} is not attachments/${authority.id}/${file.name}`,
        );
      }
    }
    if (next !== attached.length) {
      throw new Mismatch(
        `${where} is not the letter the approved files make: it carries ${attached.length - next} attachment(s) the approved files do not`,
      );
    }
    counts.letters++;
  }
  return counts;
}

function addressOf(to: AddressObject | AddressObject[] | undefined): string {
  const first = Array.isArray(to) ? to[0] : to;
  return first?.value[0]?.address ?? '';
}

/** Where two texts first differ (line ends aside: SMTP carries every one as CRLF), or '' when they do not. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.replace(/\r\n/g, '\n').split('\n');
  const b = expected.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (s: string | undefined) =>
        s === undefined ? '(nothing)' : JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...` : s);
      return `at line ${i + 1}: the message has ${show(a[i])}, the approved files make ${show(b[i])}`;
    }
  }
  return '';
}
