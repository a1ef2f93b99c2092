/**
 * The 2024-25 letter to Liverpool City Council, sentence by sentence, against
 * figures worked out by hand from its row (the Ombudsman's published ones):
 *   complaints 165 = not for us 62 + assessed and closed 74 + investigated 29
 *   upheld 23 of 29 = 79.31% -> 79%; metropolitan boroughs' average 81%
 *   23 / 496,800 residents x 100,000 = 4.629 -> 4.6
 *   compliance 20 of 20 = 100%; average 100%
 *   remedies 3 of 23 upheld = 13.04% -> 13%; average 11%
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DataSet, loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, recipientsOf } from '../src/domain/index.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { paragraphs } from './render/fixtures.js';

const DIR = join(PACKAGE_ROOT, 'data', 'sample-2024-25');
let data: DataSet;
let renderer: LetterRenderer;
let liverpool: Authority;

beforeAll(async () => {
  const templatesDir = join(DIR, 'templates');
  const loaded = await loadDataSet(DIR, { templatesDir });
  expect(loaded.problems).toEqual([]);
  data = loaded.dataSet!;
  renderer = await createLetterRenderer(data.campaign, { templatesDir });
  liverpool = data.authorities.find((a) => a.id === 'liverpool-city-council')!;
});

function letterTo(a: Authority, key: string): string[] {
  return paragraphs(renderer.render(a, recipientsOf(a).find((r) => r.key === key)!).text);
}

describe('the 2024-25 letter to Liverpool City Council', () => {
  it('has the figures as published', () => {
    expect(liverpool.figures).toEqual({
      complaints: 165,
      not_for_us: 62,
      assessed_and_closed: 74,
      investigations: 29,
      upheld: 23,
      compliance_outcomes: 20,
      compliance_met: 20,
      satisfactory_remedies: 3,
      population: 496_800,
    });
  });

  it('reads, block by block, as worked out by hand', () => {
    const text = letterTo(liverpool, 'ceo');
    expect(text[0]).toBe('21 May 2025');
    expect(text).toContain('Annual Review letter 2024-25');
    const from = text.indexOf('Complaints dealt with');
    expect(text.slice(from)).toEqual([
      'Complaints dealt with',
      'Between 1 April 2024 to 31 March 2025, we dealt with 165 complaints. Of these, 62 were not for us or not ready for us to investigate. We assessed and closed 74 complaints. We investigated 29 complaints.',
      'Complaints upheld',
      'We investigated 29 complaints and upheld 23. 79% of complaints we investigated were upheld. This compares to an average of 81% in similar authorities.',
      "Adjusted for Liverpool City Council's population, this is 4.6 upheld decisions per 100,000 residents.",
      'Compliance with Ombudsman recommendations',
      'In 100% of cases we were satisfied the organisation had successfully implemented our recommendations.',
      'This compares to an average of 100% in similar authorities.',
      'Statistics are based on a total of 20 compliance outcomes for the period between 1 April 2024 to 31 March 2025',
      'Satisfactory remedies provided by the authority',
      'In 13% of upheld cases we found the organisation had provided a satisfactory remedy before the complaint reached the Ombudsman.',
      'This compares to an average of 11% in similar authorities.',
      '3 satisfactory remedy decisions',
      'Statistics are based on a total of 23 upheld decisions for the period between 1 April 2024 to 31 March 2025',
    ]);
  });

  it('is copied to the Leader and to the registered monitoring officer, each copy saying so in its own words', () => {
    expect(recipientsOf(liverpool).map((r) => r.key)).toEqual([
      'ceo',
      'head',
      ...liverpool.copies.filter((c) => c.role === 'mo').map((c) => c.key),
    ]);
    const head = liverpool.head!;
    expect(letterTo(liverpool, 'head')[0]).toBe(
      `Copy for ${head.name}, Leader. This is a copy of the letter sent to Mr Gareth Fenwick, Chief Executive of Liverpool City Council.`,
    );
    expect(letterTo(liverpool, 'mo-1')[0]).toBe(
      'Copy for Gareth Marsden, Monitoring Officer. We copy this letter to Monitoring Officers who have provided their details to us. It is a copy of the letter sent to Mr Gareth Fenwick, Chief Executive of Liverpool City Council.',
    );
    expect(letterTo(liverpool, 'ceo').join('\n')).not.toContain('Copy for');
  });
});

describe('the 2024-25 letter to an authority with no investigations', () => {
  it('says so, and gives no percentages', () => {
    const lcrca = data.authorities.find((a) => a.id === 'lcrca')!;
    const text = letterTo(lcrca, 'ceo');
    const from = text.indexOf('Complaints dealt with');
    expect(text.slice(from)).toEqual([
      'Complaints dealt with',
      'Between 1 April 2024 to 31 March 2025, we dealt with 4 complaints. Of these, 2 were not for us or not ready for us to investigate. We assessed and closed 2 complaints. We did not investigate any of them.',
      'Complaints upheld',
      'The Ombudsman carried out no investigations in this period',
      'Compliance with Ombudsman recommendations',
      'No recommendations were due for compliance in this period',
      'Satisfactory remedies provided by the authority',
      'The Ombudsman did not uphold any complaints in this period',
    ]);
  });
});
