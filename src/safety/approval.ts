/**
 * Approval: a person's word that the letters they previewed may go out, tied
 * to exactly the files they previewed. `approve` records who, when, and the
 * sha256 of each data and template file; `run` and `schedule` send nothing
 * unless the files they are given still hash the same, and the scheduled
 * fan-out checks again when it fires that the campaign stored then (data and
 * compiled templates) is still the one checked, against the current approval.
 *
 *   <prefix>:approval:<campaign>          JSON Approval
 *   <prefix>:approval:<campaign>:stored   JSON StoredCheck: what `run`/`schedule` stored, checked against the approval
 *
 * In Redis, so a worker or scheduler on another host sees the same approval.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { compareFiles, describeChanges, digest, type FileHashes, type Fingerprint } from './fingerprint.js';

export interface Approval {
  campaign: string;
  /** Who approved (`approve --by`, default the operating-system user). */
  by: string;
  /** ISO 8601. */
  at: string;
  host: string;
  /** sha256 of each approved file: data files by name, templates as "templates/<path>". */
  files: FileHashes;
  /** sha256 over all of `files`. */
  sha256: string;
}

/** Written by `run` and `schedule` when they store a campaign whose files matched its approval. */
export interface StoredCheck {
  campaign: string;
  /** The CampaignStore version stored; any later change of the stored campaign changes it. */
  version: string;
  /** The files as they were when the campaign was stored. */
  files: FileHashes;
  approvalSha256: string;
  at: string;
}

export type ApprovalCheck = { ok: true; approval: Approval } | { ok: false; reason: string };

export function createApproval(campaign: string, by: string, fingerprint: Fingerprint, now = new Date()): Approval {
  return { campaign, by, at: now.toISOString(), host: hostname(), files: { ...fingerprint.files }, sha256: fingerprint.sha256 };
}

export class Approvals {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(campaign: string): string {
    return `${this.prefix}:approval:${campaign}`;
  }

  async save(approval: Approval): Promise<void> {
    await this.redis.set(this.key(approval.campaign), JSON.stringify(approval));
  }

  async get(campaign: string): Promise<Approval | null> {
    const json = await this.redis.get(this.key(campaign));
    return json ? (JSON.parse(json) as Approval) : null;
  }

  async recordStored(check: StoredCheck): Promise<void> {
    await this.redis.set(`${this.key(check.campaign)}:stored`, JSON.stringify(check));
  }

  async getStored(campaign: string): Promise<StoredCheck | null> {
    const json = await this.redis.get(`${this.key(campaign)}:stored`);
    return json ? (JSON.parse(json) as StoredCheck) : null;
  }
}

const REAPPROVE = 'preview it again and run `approve --data DIR`';

/** Are these files (what `run` or `schedule` was given) exactly what was approved? */
export function checkFilesApproved(campaign: string, approval: Approval | null, current: FileHashes): ApprovalCheck {
  if (!approval) return { ok: false, reason: `campaign ${campaign} has not been approved: preview it, then run \`approve --data DIR\`` };
  if (digest(approval.files) !== approval.sha256) {
    return { ok: false, reason: `the approval of campaign ${campaign} in Redis does not add up (its sha256 does not match its files); ${REAPPROVE}` };
  }
  const changes = compareFiles(approval.files, current);
  if (changes.length === 0) return { ok: true, approval };
  return { ok: false, reason: `campaign ${campaign} changed since ${approvedBy(approval)}: ${describeChanges(changes)}; ${REAPPROVE}` };
}

/**
 * When the scheduled run fires: is the campaign stored in Redis (its data and
 * its compiled templates) the one that was checked against the approval, and
 * is that approval still of the same files?
 */
export function checkStoredApproved(campaign: string, approval: Approval | null, stored: StoredCheck | null, storedVersion: string): ApprovalCheck {
  const restore = 'run `schedule --data DIR` (or `run`) again';
  if (!approval) return checkFilesApproved(campaign, null, {});
  if (!stored) return { ok: false, reason: `campaign ${campaign} was stored without being checked against its approval; ${restore}` };
  if (stored.version !== storedVersion) {
    return { ok: false, reason: `the campaign ${campaign} stored in Redis changed after it was checked against its approval; ${restore}` };
  }
  const result = checkFilesApproved(campaign, approval, stored.files);
  return result.ok ? result : { ok: false, reason: `${result.reason}, then ${restore}` };
}

function approvedBy(a: Approval): string {
  return `${a.by} approved it at ${a.at}`;
}

/** What `approve` prints: who, when, the overall sha256, and each file's. */
export function formatApproval(a: Approval): string[] {
  return [
    `approved campaign ${a.campaign} by ${a.by} on ${a.host} at ${a.at}`,
    `sha256 ${a.sha256}`,
    ...Object.keys(a.files)
      .sort()
      .map((name) => `  ${a.files[name]}  ${name}`),
  ];
}
