import { stringify } from 'csv-stringify/sync';
import type { Config } from '../../config.js';
import type { DeliveryRecord } from '../../ledger/ledger.js';
import { CliError } from '../cli-error.js';
import type { Print } from '../print.js';
import { openProducer } from '../producer.js';

export const REPORT_COLUMNS = ['authority', 'recipient', 'role', 'email', 'status', 'attempts', 'messageId', 'response', 'time', 'recovered'] as const;

export interface ReportRow {
  authority: string;
  recipient: string;
  role: string;
  email: string;
  status: string;
  attempts: number;
  messageId: string;
  response: string;
  /** When the record last changed, ISO 8601. */
  time: string;
  /** Set when a send was retried after its worker died mid-send: check that this recipient got one letter. */
  recovered: string;
}

export function toReportRow(r: DeliveryRecord): ReportRow {
  return {
    authority: r.authorityId,
    recipient: r.recipient,
    role: r.role,
    email: r.email,
    status: r.status,
    attempts: r.attempts,
    messageId: r.messageId,
    response: r.response ?? '',
    time: new Date(r.sentAt ?? r.updatedAt).toISOString(),
    recovered: r.recoveredFrom ?? '',
  };
}

/** `report --campaign ID [--format csv|json]`: one row per delivery from the ledger, sorted. */
export async function reportCommand(options: { campaign: string; format: 'csv' | 'json' }, config: Config, print: Print): Promise<ReportRow[]> {
  const producer = await openProducer(config);
  try {
    const rows: ReportRow[] = [];
    for await (const record of producer.ledger(options.campaign).records()) rows.push(toReportRow(record));
    if (rows.length === 0) throw new CliError(`no deliveries recorded for campaign ${options.campaign} (QUEUE_PREFIX ${config.QUEUE_PREFIX})`, 1);
    rows.sort((a, b) => a.authority.localeCompare(b.authority) || a.recipient.localeCompare(b.recipient));
    if (options.format === 'json') print.out(JSON.stringify(rows, null, 2));
    else print.out(stringify(rows, { header: true, columns: [...REPORT_COLUMNS] }).trimEnd());
    return rows;
  } finally {
    await producer.close();
  }
}
