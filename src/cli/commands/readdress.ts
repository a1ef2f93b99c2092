/**
 * `readdress`: an operator's corrected address for a letter that did not
 * arrive. Only a `bounced` or `permanent-failure` delivery can be readdressed;
 * the ledger records who changed which address from what to what, and when,
 * and puts the delivery back to queued with a Message-ID of its own; then the
 * authority's letter job runs again, and the ledger's claim sends it once.
 * The allowlist applies here (refused before anything changes) and again at
 * the send; a test run's letters still go to its test inbox.
 */
import { z } from 'zod';
import type { Config } from '../../config.js';
import { isAllowed, type DeliveryRecord } from '../../domain/index.js';
import { retryJob } from '../../ui/handlers/retry-job.js';
import { CliError } from '../../domain/index.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export interface ReaddressOptions {
  campaign: string;
  authority: string;
  recipient: string;
  email: string;
  by: string;
}

export async function readdressCommand(options: ReaddressOptions, config: Config, print: Print): Promise<DeliveryRecord> {
  if (!z.email().safeParse(options.email).success) throw new CliError(`--email: ${JSON.stringify(options.email)} is not one email address`, 2);
  if (!options.by.trim()) throw new CliError('--by: say who makes the change', 2);
  if (!isAllowed(options.email, config.RECIPIENT_ALLOWLIST)) {
    throw new CliError(`--email: ${options.email} is not in RECIPIENT_ALLOWLIST; nothing changed`, 2);
  }
  const producer = await openProducer(config);
  try {
    const ledger = producer.ledger(options.campaign);
    const delivery = `${options.campaign} ${options.authority}/${options.recipient}`;
    const record = await ledger.get(options.authority, options.recipient);
    if (!record) throw new CliError(`no delivery ${delivery} in the ledger`, 1);
    if (record.status !== 'bounced' && record.status !== 'permanent-failure') {
      throw new CliError(`delivery ${delivery} is ${record.status}; only a bounced or permanent-failure delivery can be readdressed`, 1);
    }
    // <campaign.authority.recipient.rN@domain>: a new letter, recognisably the same delivery's.
    const n = (record.readdresses?.length ?? 0) + 1;
    const domain = /@([^>]+)>$/.exec(record.messageId)?.[1] ?? 'localhost';
    const messageId = `<${options.campaign}.${options.authority}.${options.recipient}.r${n}@${domain}>`;
    const changed = await ledger.readdress(options.authority, options.recipient, { email: options.email, messageId, by: options.by.trim() });
    if (!changed.readdressed) throw new CliError(`delivery ${delivery} changed meanwhile (now ${changed.record?.status ?? 'gone'}); nothing done`, 1);
    const authority = await producer.store.authority(options.campaign, options.authority);
    if (!authority) throw new CliError(`authority ${options.authority} is not stored with campaign ${options.campaign}`, 1);
    const retry = await retryJob(
      {
        letters: producer.letters,
        ledger,
        campaignId: options.campaign,
        policy: { attempts: config.SEND_ATTEMPTS, backoffMs: config.BACKOFF_MS },
        user: options.by.trim(),
      },
      authority,
      `${options.recipient} readdressed from ${record.email} to ${options.email}`,
    );
    print.out(`${delivery}: ${record.email} -> ${options.email} by ${options.by.trim()}; queued as ${messageId}; ${retry.message}`);
    return changed.record!;
  } finally {
    await producer.close();
  }
}
