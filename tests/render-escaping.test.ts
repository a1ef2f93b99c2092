import { beforeAll, describe, expect, it } from 'vitest';
import { type Authority, campaignSchema, recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { campaign, council } from './render/fixtures.js';

let renderer: LetterRenderer;
beforeAll(async () => {
  renderer = await createLetterRenderer(campaign);
});

const render = (a: Authority, key = 'ceo') => renderer.render(a, recipientsOf(a).find((r) => r.key === key)!);

describe('data is shown exactly as given', () => {
  const odd = council({ name: 'Smith & Sons <b>' });

  it('escapes it in the HTML part', () => {
    const { html } = render(odd);
    expect(html).toContain('Smith &amp; Sons &lt;b&gt;');
    expect(html).not.toContain('Smith & Sons');
    expect(html).not.toContain('<b>');
  });

  it('keeps it literal in the text part, with no entities', () => {
    const { text } = render(odd);
    expect(text).toContain('\nSmith & Sons <b>\n');
    expect(text).not.toMatch(/&amp;|&lt;|&gt;|&quot;|&#x/);
  });

  it('keeps it literal in the subject', () => {
    expect(render(odd).subject).toBe('Annual Review letter 2023-24: Smith & Sons <b>');
  });
});

describe('names with commas, quotes and letters beyond ASCII', () => {
  const a = council({
    name: 'Comhairle "Ó Dónaill", Łódź & Co',
    chiefExecutive: { title: 'Dr', firstName: 'Siobhán', surname: "O'Súilleabháin", email: 'ceo@example.org' },
    head: { role: 'Leader', name: 'Cllr Łukasz "Luke" Wójcik, MBE', email: 'leader@example.org' },
  });

  it('survive in the text part', () => {
    const { text } = render(a, 'head');
    expect(text).toContain(
      'Copy for Cllr Łukasz "Luke" Wójcik, MBE. This is a copy of the letter sent to Dr Siobhán O\'Súilleabháin, Chief Executive of Comhairle "Ó Dónaill", Łódź & Co.',
    );
    expect(text).toContain("Dear Dr O'Súilleabháin");
  });

  it('survive, escaped, in the HTML part', () => {
    const { html } = render(a, 'head');
    expect(html).toContain('Copy for Cllr Łukasz &quot;Luke&quot; Wójcik, MBE.');
    expect(html).toContain('Dear Dr O&#x27;Súilleabháin');
    expect(html).toContain('Comhairle &quot;Ó Dónaill&quot;, Łódź &amp; Co');
  });

  it('survive in the subject, unescaped', () => {
    expect(render(a).subject).toBe('Annual Review letter 2023-24: Comhairle "Ó Dónaill", Łódź & Co');
  });
});

describe('the subject line', () => {
  it('never carries a line break from the data (no header injection)', () => {
    const { subject, text } = render(council({ name: 'Evil Council\r\nBcc: victim@example.org' }));
    expect(subject).toBe('Annual Review letter 2023-24: Evil Council Bcc: victim@example.org');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text).toContain('Chief Executive\nEvil Council Bcc: victim@example.org\n');
  });

  it('cannot be given a line break by the campaign file', () => {
    const bad = { ...campaign, mail: { ...campaign.mail, subject: 'Annual Review\nBcc: x@example.org' } };
    expect(campaignSchema.safeParse(bad).success).toBe(false);
  });
});

describe('campaign wording', () => {
  it('is escaped too; only [text](url) makes a link', async () => {
    const wording = { ...campaign.wording, ombudsmanYear: ['A <script>alert(1)</script> & [a link](https://example.org/?a=1&b=2).'] };
    const r = await createLetterRenderer({ ...campaign, wording });
    const a = council();
    const { html, text } = r.render(a, recipientsOf(a)[0]!);
    expect(html).toContain(
      '<p>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; <a href="https://example.org/?a&#x3D;1&amp;b&#x3D;2">a link</a>.</p>',
    );
    expect(text).toContain('\nA <script>alert(1)</script> & a link [https://example.org/?a=1&b=2].\n');
  });
});
