/**
 * Approval: a person's word that the letters they previewed may go out, tied
 * to exactly the files they previewed. `approve` records who, when, and the
 * sha256 of each data and template file; `run` and `schedule` send nothing
 * unless the files they are given still hash the same, and the scheduled
 * fan-out checks again when it fires that the campaign stored then (data and
 * compiled templates) is still the one checked, against the current approval.
 *
 * The checks only: approvals are kept in Redis by src/storage/approval-store.ts.
 */
import { hostname } from 'node:os';
import type { Approval, FileHashes, StoredCheck } from '../domain/index.js';
import { compareFiles, describeChanges, digest, type Fingerprint } from './fingerprint.js';

export type ApprovalCheck = { ok: true; approval: Approval } | { ok: false; reason: string };

export function createApproval(campaign: string, by: string, fingerprint: Fingerprint, now = new Date()): Approval {
  return { campaign, by, at: now.toISOString(), host: hostname(), files: { ...fingerprint.files }, sha256: fingerprint.sha256 };
}

const REAPPROVE = 'preview it again and run `approve --data DIR`';

/** Are these files (what `run` or `schedule` was given) exactly what was approved? */
export function checkFilesApproved(campaign: string, approval: Approval | null, current: FileHashes): ApprovalCheck {
  if (!approval) return { ok: false, reason: `campaign ${campaign} has not been approved: preview it, then run \`approve --data DIR\`` };
  if (digest(approval.files) !== approval.sha256) {
    return {
      ok: false,
      reason: `the approval of campaign ${campaign} in Redis does not add up (its sha256 does not match its files); ${REAPPROVE}`,
    };
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
export function checkStoredApproved(
  campaign: string,
  approval: Approval | null,
  stored: StoredCheck | null,
  storedVersion: string,
): ApprovalCheck {
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
