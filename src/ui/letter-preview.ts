/**
 * The letter as sent, for the campaign page: rendered again from the stored
 * campaign and the templates compiled into it at `run`, exactly as the
 * worker renders it (rendering is pure: the same data gives the same letter),
 * with the same renderer cache the workers use.
 */
import { type RenderedLetter, recipientsOf } from '../domain/index.js';
import { CampaignRenderers } from '../operations/campaign-renderers.js';
import type { CampaignStore } from '../storage/campaign-store.js';

export class LetterPreview {
  private readonly renderers: CampaignRenderers;

  constructor(private readonly store: CampaignStore) {
    this.renderers = new CampaignRenderers(store);
  }

  /** The letter one recipient was sent, or null when the campaign, authority or recipient is unknown. */
  async letter(campaignId: string, authorityId: string, recipientKey: string): Promise<RenderedLetter | null> {
    const [loaded, authority] = await Promise.all([this.renderers.get(campaignId), this.store.authority(campaignId, authorityId)]);
    if (!loaded || !authority) return null;
    const recipient = recipientsOf(authority).find((r) => r.key === recipientKey);
    return recipient ? loaded.renderer.render(authority, recipient) : null;
  }
}
