/** An approval and what `run` stored under it: records the safety checks keep in Redis. */

/** File name -> sha256 (hex). */
export type FileHashes = Record<string, string>;

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
