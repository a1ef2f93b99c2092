/**
 * `evidence --campaign ID --data DIR --out DIR [--authority A] [--by NAME]`:
 * a signed pack of what was sent (src/operations/evidence.ts), for anyone
 * who asks what exactly went to whom; `verify` checks it.
 * `evidence --prune [--by NAME]`: removes the kept messages of every
 * campaign whose retention has passed.
 */
import type { Config } from '../../config.js';
import { CampaignNotStoredError, CliError, EVENT } from '../../domain/index.js';
import { FolderEvidenceStore } from '../../evidence/folder-store.js';
import { loadSigningKey } from '../../evidence/signing-key.js';
import { openOperations } from '../../operations/context.js';
import { type EvidencePack, makeEvidencePack } from '../../operations/evidence.js';
import { operatorName } from '../operator.js';
import type { Print } from '../print.js';

export interface EvidenceOptions {
  campaign: string;
  data: string;
  out: string;
  authority?: string;
  by?: string;
}

export async function evidenceCommand(options: EvidenceOptions, config: Config, print: Print): Promise<EvidencePack> {
  const by = operatorName(options.by);
  // Before any connection: a pack that cannot be signed is not made at all.
  const key = loadSigningKey(config);
  const ops = await openOperations(config);
  try {
    const pack = await makeEvidencePack(ops, {
      campaignId: options.campaign,
      dataDir: options.data,
      outDir: options.out,
      authority: options.authority,
      by,
      key,
    }).catch((error: unknown) => {
      if (error instanceof CampaignNotStoredError)
        throw new CliError(`campaign ${options.campaign} is not stored (QUEUE_PREFIX ${config.QUEUE_PREFIX}): nothing to pack`, 1);
      throw error;
    });
    for (const line of pack.missing) print.err(`warning: no message for ${line}`);
    if (pack.otherApproval.length > 0) {
      print.err(
        `warning: ${pack.otherApproval.length} letter(s) went out under another approval than this folder's (${pack.approval.sha256.slice(0, 12)}...), ` +
          `e.g. ${pack.otherApproval[0]}: \`verify\` cannot make them again from this pack`,
      );
    }
    print.out(
      `evidence pack for campaign ${pack.campaign}${pack.authority ? `, authority ${pack.authority}` : ''}: ${options.out} ` +
        `(${pack.letters} letters, ${pack.entries} entries, head ${pack.head})`,
    );
    print.out(`signed with key ${pack.keyFingerprint}; check it with: annual-review-mailer verify ${options.out} --key PUBLIC-KEY.pem`);
    return pack;
  } finally {
    await ops.close();
  }
}

export async function pruneEvidenceCommand(options: { by?: string }, config: Config, print: Print): Promise<number> {
  const by = operatorName(options.by);
  const store = new FolderEvidenceStore(config.EVIDENCE_DIR);
  const pruned = await store.prune(new Date());
  const ops = await openOperations(config);
  try {
    for (const p of pruned) {
      ops.deliveryLog.info(
        { event: EVENT.evidencePruned, campaign: p.campaign, keptUntil: p.keptUntil, messages: p.messages, by },
        EVENT.evidencePruned,
      );
      print.out(`removed campaign ${p.campaign}'s ${p.messages} kept messages (kept until ${p.keptUntil})`);
    }
  } finally {
    await ops.close();
  }
  if (pruned.length === 0) print.out(`nothing to remove: no campaign in ${store.where} is past its retention`);
  return pruned.length;
}
