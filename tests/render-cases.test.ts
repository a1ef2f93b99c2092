import { beforeAll, describe, expect, it } from 'vitest';
import { AUTHORITY_KINDS, type Authority, type Campaign, isCouncil, recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { campaign, council } from './render/fixtures.js';

let renderer: LetterRenderer;
beforeAll(async () => {
  renderer = await createLetterRenderer(campaign);
});

/** The chief executive's letter (or another recipient's), as plain text on one line per paragraph. */
function textOf(a: Authority, key = 'ceo'): string {
  const recipient = recipientsOf(a).find((r) => r.key === key);
  if (!recipient) throw new Error(`no recipient ${key}`);
  return renderer.render(a, recipient).text;
}

const PERIOD = 'for the period between 1 April 2023 to 31 March 2024';

describe('complaints upheld', () => {
  it.each([
    {
      name: 'no investigations',
      counts: { investigations: 0, upheld: 0, satisfactoryRemedies: 0 },
      present: ['Complaints upheld\n\nThe Ombudsman carried out no investigations in this period'],
      absent: ['of complaints we investigated were upheld', 'detailed investigation'],
    },
    {
      name: 'one investigation, upheld',
      counts: { investigations: 1, upheld: 1, satisfactoryRemedies: 0 },
      present: [
        '100% of complaints we investigated were upheld.',
        '\n1 upheld decision\n',
        `a total of 1 detailed investigation ${PERIOD}`,
      ],
      absent: ['no investigations'],
    },
    {
      name: 'investigations, none upheld',
      counts: { investigations: 4, upheld: 0, satisfactoryRemedies: 0 },
      present: [
        '0% of complaints we investigated were upheld.',
        '\n0 upheld decisions\n',
        `a total of 4 detailed investigations ${PERIOD}`,
      ],
      absent: [],
    },
    {
      name: 'many',
      counts: { investigations: 20, upheld: 15 },
      present: [
        '75% of complaints we investigated were upheld.',
        'This compares to an average of 80% in similar organisations.',
        '\n15 upheld decisions\n',
        `Statistics are based on a total of 20 detailed investigations ${PERIOD}`,
      ],
      absent: [],
    },
  ])('$name', ({ counts, present, absent }) => {
    const text = textOf(council(counts));
    for (const s of present) expect(text).toContain(s);
    for (const s of absent) expect(text).not.toContain(s);
  });

  it.each([
    { upheld: 5, investigations: 8, pct: 63 }, // 62.5 rounds up
    { upheld: 1, investigations: 8, pct: 13 }, // 12.5 rounds up
    { upheld: 2, investigations: 3, pct: 67 },
    { upheld: 1, investigations: 3, pct: 33 },
    { upheld: 199, investigations: 200, pct: 100 }, // 99.5 rounds up
  ])('rounds $upheld of $investigations half up to $pct%', ({ upheld, investigations, pct }) => {
    const text = textOf(council({ upheld, investigations, satisfactoryRemedies: 0 }));
    expect(text).toContain(`\n${pct}% of complaints we investigated were upheld.`);
  });
});

describe('upheld decisions per 100,000 residents', () => {
  it('are given, to one decimal place, for a council with a population', () => {
    const text = textOf(council({ upheld: 15, population: 250_000 }));
    expect(text).toContain('\n6.0 upheld decisions per 100,000 residents\n');
    expect(text).toContain('The average for authorities of this type is 1.9 upheld decisions per 100,000 residents.');
  });

  it('round half up (1 in 80,000 is 1.25, so 1.3)', () => {
    expect(textOf(council({ upheld: 1, satisfactoryRemedies: 0, population: 80_000 }))).toContain(
      '\n1.3 upheld decisions per 100,000 residents',
    );
  });

  it.each([
    { name: 'a council without a population', a: council({ population: null }) },
    { name: 'a combined authority with a population', a: council({ kind: 'combined-authority', population: 1_500_000 }) },
    { name: 'a council with no investigations', a: council({ investigations: 0, upheld: 0, satisfactoryRemedies: 0 }) },
  ])('are not given for $name', ({ a }) => {
    expect(textOf(a)).not.toContain('per 100,000 residents');
  });
});

describe('compliance with recommendations', () => {
  const FOOTNOTE =
    'Failure to comply with our recommendations is rare. An organisation with a compliance rate below 100% should scrutinise';

  it.each([
    { name: 'none due', met: 0, outcomes: 0, present: ['No recommendations were due for compliance in this period'], footnote: false },
    {
      name: 'one, met',
      met: 1,
      outcomes: 1,
      present: ['In 100% of cases we were satisfied', `a total of 1 compliance outcome ${PERIOD}`],
      footnote: false,
    },
    { name: 'many, all met', met: 10, outcomes: 10, present: [`a total of 10 compliance outcomes ${PERIOD}`], footnote: false },
    { name: 'one not met', met: 0, outcomes: 1, present: ['In 0% of cases'], footnote: true },
    {
      name: 'nine of ten met',
      met: 9,
      outcomes: 10,
      present: ['In 90% of cases', 'This compares to an average of 99% in similar organisations.'],
      footnote: true,
    },
    // 99.5% prints as 100%, but one recommendation was not complied with: the footnote stays.
    { name: '199 of 200 met', met: 199, outcomes: 200, present: ['In 100% of cases'], footnote: true },
  ])('$name', ({ met, outcomes, present, footnote }) => {
    const text = textOf(council({ complianceMet: met, complianceOutcomes: outcomes }));
    for (const s of present) expect(text).toContain(s);
    if (footnote) expect(text).toContain(FOOTNOTE);
    else expect(text).not.toContain(FOOTNOTE);
  });
});

describe('satisfactory remedies', () => {
  it.each([
    {
      name: 'nothing upheld',
      counts: { investigations: 3, upheld: 0, satisfactoryRemedies: 0 },
      present: ['Satisfactory remedies provided by the authority\n\nThe Ombudsman did not uphold any complaints in this period'],
    },
    {
      name: 'one upheld, remedied',
      counts: { upheld: 1, satisfactoryRemedies: 1 },
      present: ['In 100% of upheld cases', '\n1 satisfactory remedy decision\n', `a total of 1 upheld decision ${PERIOD}`],
    },
    {
      name: 'many',
      counts: { upheld: 15, satisfactoryRemedies: 3 },
      present: [
        'In 20% of upheld cases',
        'This compares to an average of 12% in similar organisations.',
        '\n3 satisfactory remedy decisions\n',
        `a total of 15 upheld decisions ${PERIOD}`,
      ],
    },
  ])('$name', ({ counts, present }) => {
    const text = textOf(council(counts));
    for (const s of present) expect(text).toContain(s);
  });
});

describe('the Complaint Handling Code paragraph, by kind', () => {
  it.each(AUTHORITY_KINDS.map((kind) => ({ kind, council: isCouncil(kind) })))('$kind', ({ kind, council: isACouncil }) => {
    const text = textOf(council({ kind }));
    expect(text).toContain('we launched the Complaint Handling Code');
    if (isACouncil) expect(text).not.toContain('to other organisations, such as yours, in future');
    else expect(text).toContain('we may decide to issue it as guidance to other organisations, such as yours, in future.');
    // Averages come from the campaign, per kind.
    expect(text).toContain(`This compares to an average of ${campaign.averages[kind]?.upheldPct}% in similar organisations.`);
  });
});

describe('the training courses sentence', () => {
  it.each([
    {
      courses: 1,
      sentence:
        "We were pleased to deliver one online complaint handling course to your staff during the year. I welcome your authority's investment in good complaint handling training and trust the course was useful to you.",
    },
    {
      courses: 2,
      sentence:
        "We were pleased to deliver two online complaint handling courses to your staff during the year. I welcome your authority's investment in good complaint handling training and trust the courses were useful to you.",
    },
    { courses: 10, sentence: 'We were pleased to deliver ten online complaint handling courses to your staff' },
    { courses: 11, sentence: 'We were pleased to deliver 11 online complaint handling courses to your staff' },
  ])('$courses course(s)', ({ courses, sentence }) => {
    expect(textOf(council({ trainingCourses: courses }))).toContain(sentence);
  });

  it('is left out when no course was delivered', () => {
    expect(textOf(council({ trainingCourses: 0 }))).not.toContain('We were pleased to deliver');
  });
});

describe('the sharing sentence', () => {
  it('names the political head by role', () => {
    expect(textOf(council())).toContain('As such, I have sought to share this letter with the Leader to ensure effective ownership');
  });

  it('asks the chief executive to share it when there is no political head', () => {
    const text = textOf(council({ head: null }));
    expect(text).toContain(
      'As such, I encourage you to share this letter with those who govern your organisation to ensure effective ownership',
    );
    expect(text).not.toContain('sought to share this letter with the');
  });
});

describe('the copy notice', () => {
  const NOTICE = 'This is a copy of the letter sent to Mr Adam Smith, Chief Executive of Test Borough Council.';

  it("is absent from the chief executive's letter", () => {
    expect(textOf(council(), 'ceo')).not.toContain('This is a copy');
  });

  it.each([
    { key: 'head', name: 'Cllr Jane Doe' },
    { key: 'mo-1', name: 'Pat Jones' },
  ])('heads the copy for $key', ({ key, name }) => {
    const text = textOf(council(), key);
    expect(text.startsWith(`Copy for ${name}. ${NOTICE}`)).toBe(true);
    // Still the chief executive's letter underneath.
    expect(text).toContain('Dear Mr Smith');
  });
});

describe('singular and plural', () => {
  it('never writes "1" before a plural noun, whatever the counts', () => {
    for (const n of [0, 1, 2]) {
      const text = textOf(
        council({ investigations: n, upheld: n, satisfactoryRemedies: n, complianceOutcomes: n, complianceMet: n, trainingCourses: n }),
      );
      expect(text).not.toMatch(/\b1 (\w+ )*(investigations|decisions|outcomes)\b/);
      expect(text).not.toMatch(/\bone online complaint handling courses\b/);
    }
  });
});

describe('dates come from the campaign', () => {
  it("prints another year's period and letter date", async () => {
    const next: Campaign = { ...campaign, period: { start: '2024-04-01', end: '2025-03-31' }, letterDate: '2025-07-09' };
    const r = await createLetterRenderer(next);
    const text = r.render(council(), recipientsOf(council())[0]!).text;
    expect(text.startsWith('9 July 2025\n')).toBe(true);
    expect(text).toContain('for the year ending 31 March 2025.');
    expect(text).toContain('for the period between 1 April 2024 to 31 March 2025');
    expect(text).not.toContain('2024\n');
  });
});

describe('the HTML part', () => {
  it('is British English, titled with the subject, and gives each statistics block a heading', () => {
    const a = council();
    const { html, subject } = renderer.render(a, recipientsOf(a)[0]!);
    expect(html).toMatch(/<html lang="en-GB"/);
    expect(html).toContain(`<title>${subject}</title>`);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    for (const heading of [
      'Complaints upheld',
      'Compliance with Ombudsman recommendations',
      'Satisfactory remedies provided by the authority',
    ]) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
  });
});
