/**
 * What goes with an authority's letter: its PDF (when the campaign's
 * `letterAs` is `pdf` or `both`), then its own files as stored with the
 * campaign at `run`. Made once per job and the same for every recipient:
 * the PDF comes from the chief executive's letter (no copy notice) with the
 * letter's date fixed in it, so it is byte-identical every time.
 */
import { type Authority, attachmentType, type Campaign, letterPdfName, type MailAttachment } from '../domain/index.js';
import type { LetterRenderer } from '../render/letter-renderer.js';
import type { PdfPrinter } from '../render/pdf/pdf-printer.js';
import type { CampaignStore } from '../storage/campaign-store.js';

export interface LetterAttachmentSources {
  printer: PdfPrinter;
  store: CampaignStore;
}

/** The letter's PDF as an attachment. */
export async function letterPdf(
  printer: PdfPrinter,
  campaign: Campaign,
  renderer: LetterRenderer,
  authority: Authority,
): Promise<MailAttachment> {
  const document = renderer.document(authority);
  const content = await printer.print(document.html, { date: campaign.letterDate });
  return { filename: letterPdfName(campaign.reportingYear, authority.name), content, contentType: 'application/pdf' };
}

/** Every attachment of one authority's letter, for the stored campaign `storedId` (a test run's id differs from the campaign's). */
export async function letterAttachments(
  sources: LetterAttachmentSources,
  storedId: string,
  campaign: Campaign,
  renderer: LetterRenderer,
  authority: Authority,
): Promise<MailAttachment[]> {
  const attachments: MailAttachment[] = [];
  if (campaign.letterAs === 'pdf' || campaign.letterAs === 'both')
    attachments.push(await letterPdf(sources.printer, campaign, renderer, authority));
  for (const { info, content } of await sources.store.attachments(storedId, authority)) {
    attachments.push({ filename: info.name, content, contentType: attachmentType(info.name) ?? 'application/octet-stream' });
  }
  return attachments;
}
