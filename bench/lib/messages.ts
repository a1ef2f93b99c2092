/**
 * The messages the pipeline would send for a data directory, rendered ahead
 * of time: exactly what the delivery operation hands to its MailProvider, so a baseline
 * sending these sends the same messages as the pipeline.
 */

import { type DataSet, loadDataSet } from '../../src/data/load-data-set.js';
import { letterMessageId, mailDomain, recipientsOf } from '../../src/domain/index.js';
import { createLetterRenderer } from '../../src/render/letter-renderer.js';
import type { OutgoingMessage } from '../../src/send/mail-provider.js';

export async function loadValid(dataDir: string): Promise<DataSet> {
  const loaded = await loadDataSet(dataDir);
  if (!loaded.dataSet) {
    throw new Error(`${dataDir} has ${loaded.problems.length} problems, e.g. ${JSON.stringify(loaded.problems[0])}`);
  }
  return loaded.dataSet;
}

/** Every recipient's message of the first `limit` authorities (default all). */
export async function buildMessages(dataDir: string, limit = Infinity): Promise<OutgoingMessage[]> {
  const { campaign, authorities } = await loadValid(dataDir);
  const renderer = await createLetterRenderer(campaign);
  const messages: OutgoingMessage[] = [];
  for (const authority of authorities.slice(0, limit)) {
    for (const recipient of recipientsOf(authority)) {
      messages.push({
        from: campaign.mail.from,
        replyTo: campaign.mail.replyTo,
        to: { name: recipient.name, address: recipient.email },
        ...renderer.render(authority, recipient),
        messageId: letterMessageId(campaign.id, authority.id, recipient.key, mailDomain(campaign.mail.from.address)),
        headers: { 'X-Annual-Review': `${campaign.id}/${authority.id}/${recipient.key}` },
      });
    }
  }
  return messages;
}
