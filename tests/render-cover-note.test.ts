/**
 * letterAs "pdf": the email's body is the cover note (with the copy notice
 * for copies); the letter itself is only the document the PDF is made from.
 */
import { describe, expect, it } from 'vitest';
import { campaignSchema, recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer } from '../src/render/letter-renderer.js';
import { campaign, lcrca } from './render/fixtures.js';

describe('a campaign that sends the letter only as a PDF', () => {
  it('needs a coverNote in its wording', () => {
    const parsed = campaignSchema.safeParse({ ...campaign, letterAs: 'pdf' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['wording.coverNote', 'letterAs "pdf" needs a coverNote: the body of the email the PDF is attached to'],
    ]);
  });

  it('puts the cover note in the email body and keeps the whole letter, without a copy notice, as the document', async () => {
    const pdfOnly = campaignSchema.parse({
      ...campaign,
      letterAs: 'pdf',
      wording: { ...campaign.wording, coverNote: ['Please find attached your Annual Review letter.'] },
    });
    const renderer = await createLetterRenderer(pdfOnly);
    const [ceo, head] = recipientsOf(lcrca);
    const email = renderer.render(lcrca, head!);
    expect(email.text).toMatch(/^Copy for Morgan Ellery\. This is a copy of the letter sent to Ms Katherine Fairclough/);
    expect(email.text).toContain('Dear Ms Fairclough\n\nPlease find attached your Annual Review letter.');
    expect(email.text).not.toContain('Complaint statistics');
    expect(renderer.render(lcrca, ceo!).html).toContain(
      '<title>Annual Review letter 2023-24: Liverpool City Region Combined Authority</title>',
    );
    const document = renderer.document(lcrca);
    expect(document.title).toBe('Annual Review letter 2023-24: Liverpool City Region Combined Authority');
    expect(document.html).toContain('Complaint statistics');
    expect(document.html).not.toContain('Copy for');
  });
});
