/**
 * The letter as sent, for the campaign page: rendered again from the stored
 * campaign and the templates compiled into it at `run`, exactly as the
 * worker renders it (rendering is pure: the same data gives the same letter).
 * One renderer per campaign version.
 */
import { type RenderedLetter, recipientsOf } from '../domain/index.js';
import { rendererFromCompiled } from '../render/letter-renderer.js';
import type { LetterSource } from '../send/deliver-authority.js';
import type { CampaignStore, StoredCampaign } from '../storage/campaign-store.js';

export type RendererFactory = (stored: StoredCampaign) => LetterSource | Promise<LetterSource>;

export const defaultRendererFactory: RendererFactory = (stored) => rendererFromCompiled(stored.campaign, stored.letter);

export class LetterPreview {
  private readonly renderers = new Map<string, { version: string; renderer: Promise<LetterSource> }>();

  constructor(
    private readonly store: CampaignStore,
    private readonly createRenderer: RendererFactory = defaultRendererFactory,
  ) {}

  /** The letter one recipient was sent, or null when the campaign, authority or recipient is unknown. */
  async letter(campaignId: string, authorityId: string, recipientKey: string): Promise<RenderedLetter | null> {
    const [stored, authority] = await Promise.all([this.store.load(campaignId), this.store.authority(campaignId, authorityId)]);
    if (!stored || !authority) return null;
    const recipient = recipientsOf(authority).find((r) => r.key === recipientKey);
    if (!recipient) return null;
    let cached = this.renderers.get(campaignId);
    if (cached?.version !== stored.version) {
      cached = { version: stored.version, renderer: Promise.resolve(this.createRenderer(stored)) };
      this.renderers.set(campaignId, cached);
      cached.renderer.catch(() => this.renderers.delete(campaignId));
    }
    return (await cached.renderer).render(authority, recipient);
  }
}
