/**
 * Each stored campaign's renderer, built once from the templates `run`
 * compiled and stored with it, and again only when the stored campaign
 * changes (its version: one cheap read per use). The workers render what
 * they send with it, and the console shows the letter as sent with the same.
 */
import type { Campaign } from '../domain/index.js';
import { type LetterRenderer, rendererFromCompiled } from '../render/letter-renderer.js';
import type { CampaignStore, StoredCampaign } from '../storage/campaign-store.js';

export interface CampaignWithRenderer {
  version: string;
  campaign: Campaign;
  renderer: LetterRenderer;
}

export class CampaignRenderers {
  private readonly entries = new Map<string, Promise<CampaignWithRenderer | null>>();

  constructor(
    private readonly store: CampaignStore,
    /** How a stored campaign becomes a renderer; tests may render another way. */
    private readonly build: (stored: StoredCampaign) => LetterRenderer = (stored) => rendererFromCompiled(stored.campaign, stored.letter),
  ) {}

  /** The stored campaign and its renderer; null when no campaign is stored under `id`. */
  async get(id: string): Promise<CampaignWithRenderer | null> {
    const version = await this.store.version(id);
    if (!version) return null;
    const cached = await this.entries.get(id)?.catch(() => null);
    if (cached?.version === version) return cached;
    const loading = this.load(id);
    this.entries.set(id, loading);
    loading.catch(() => this.entries.delete(id));
    return loading;
  }

  private async load(id: string): Promise<CampaignWithRenderer | null> {
    const stored = await this.store.load(id);
    if (!stored) return null;
    return { version: stored.version, campaign: stored.campaign, renderer: this.build(stored) };
  }
}
