/**
 * Where a campaign stands: the figures the campaign page, `run`, `demo` and
 * `report` all print, computed in one place so they always agree. The ledger
 * stage reads the ledger as a whole; its records are kept by src/storage.
 */
import type { LedgerReads } from '../storage/ledger-reads.js';

export interface CampaignTotals {
  authorities: number;
  deliveries: number;
  sent: number;
  /** Sent, then a DSN came back: not delivered, still owed. */
  bounced: number;
  /** queued or being sent right now */
  pending: number;
  temporaryFailures: number;
  permanentFailures: number;
}

export async function campaignTotals(ledger: LedgerReads, authorities: number): Promise<CampaignTotals> {
  const c = await ledger.counts();
  return {
    authorities,
    deliveries: c.queued + c.sending + c.sent + c.bounced + c['temporary-failure'] + c['permanent-failure'],
    sent: c.sent,
    bounced: c.bounced,
    pending: c.queued + c.sending,
    temporaryFailures: c['temporary-failure'],
    permanentFailures: c['permanent-failure'],
  };
}

export function formatTotals(t: CampaignTotals): string {
  return (
    `${t.authorities} authorities, ${t.deliveries} deliveries: ${t.sent} sent, ${t.bounced > 0 ? `${t.bounced} bounced, ` : ''}${t.pending} pending, ` +
    `${t.temporaryFailures} temporary failures, ${t.permanentFailures} permanent failures`
  );
}
