import type { Config } from '../../config.js';
import type { Approval } from '../../domain/index.js';
import { approveCampaign } from '../../operations/approve.js';
import { openOperations } from '../../operations/context.js';
import { formatApproval } from '../../safety/approval.js';
import { type Fingerprint, fingerprintFiles } from '../../safety/fingerprint.js';
import { listSome, recipientsOutside } from '../../safety/recipient-policy.js';
import { loadValidData } from '../load-valid-data.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

export interface ApproveOptions {
  data: string;
  /** Who approves. Default: the operating-system user. */
  by?: string;
  /** Approve a data set with invalid authorities, for `run --skip-invalid`. */
  skipInvalid?: boolean;
  /** The templates that were previewed. Default: the campaign folder's templates/. */
  templatesDir?: string;
}

/**
 * `approve --data DIR [--by NAME]`: records, in Redis, who approved the
 * campaign and the sha256 of exactly the data files and templates that were
 * previewed. `run` and the scheduled run send only while those still match.
 */
export async function approveCommand(options: ApproveOptions, config: Config, print: Print): Promise<Approval> {
  const by = operatorName(options.by);
  const data = await loadValidData(options.data, {
    skipInvalid: options.skipInvalid,
    print: print.err,
    templatesDir: options.templatesDir,
  });
  const outside = recipientsOutside(data.authorities, config.RECIPIENT_ALLOWLIST);
  if (outside.length > 0)
    print.err(`warning: ${outside.length} recipient(s) not in RECIPIENT_ALLOWLIST; \`run\` will refuse: ${listSome(outside)}`);
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  const approval = await recordApproval(config, data.campaign.id, fingerprint, by);
  for (const line of formatApproval(approval)) print.out(line);
  return approval;
}

/** Stores an approval of these files (the demo approves its own bundled data this way). */
export async function recordApproval(config: Config, campaign: string, fingerprint: Fingerprint, by: string): Promise<Approval> {
  const ops = await openOperations(config);
  try {
    return await approveCampaign(ops, campaign, fingerprint, by);
  } finally {
    await ops.close();
  }
}
