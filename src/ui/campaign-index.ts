/**
 * Each campaign's authorities for the campaign page, sorted by name with a
 * search key and each recipient's ledger field, built once per stored
 * campaign version (100k authorities must not be decoded every 2 seconds).
 */
import { type AuthorityKind, type RecipientKey, recipientsOf } from '../domain/index.js';
import type { CampaignStore } from '../storage/campaign-store.js';
import { deliveryField } from '../storage/ledger.js';

export interface AuthorityEntry {
  id: string;
  name: string;
  kind: AuthorityKind;
  search: string;
  /** Each recipient with its ledger field, "<authorityId>/<recipientKey>", built once. */
  recipients: Array<{ key: RecipientKey; role: string; field: string }>;
}

export interface CampaignIndex {
  version: string;
  entries: AuthorityEntry[];
}

export class CampaignIndexes {
  private readonly indexes = new Map<string, Promise<CampaignIndex | null>>();

  constructor(private readonly store: CampaignStore) {}

  /** The campaign's authorities, sorted by name; rebuilt only when the stored campaign changes. Null when not stored. */
  async get(campaignId: string): Promise<CampaignIndex | null> {
    const version = await this.store.version(campaignId);
    if (!version) return null;
    const cached = await this.indexes.get(campaignId)?.catch(() => null);
    if (cached?.version === version) return cached;
    const building = this.build(campaignId, version);
    this.indexes.set(campaignId, building);
    building.catch(() => this.indexes.delete(campaignId));
    return building;
  }

  private async build(campaignId: string, version: string): Promise<CampaignIndex> {
    const entries: AuthorityEntry[] = [];
    for await (const a of this.store.authorities(campaignId)) {
      entries.push({
        id: a.id,
        name: a.name,
        kind: a.kind,
        search: `${a.name}\n${a.id}`.toLowerCase(),
        recipients: recipientsOf(a).map((r) => ({ key: r.key, role: r.role, field: deliveryField(a.id, r.key) })),
      });
    }
    entries.sort((x, y) => x.name.localeCompare(y.name, 'en-GB') || x.id.localeCompare(y.id));
    return { version, entries };
  }
}
