/** Shared by the render tests: the sample campaign, authorities built from facts, text normalisation. */
import { readFileSync } from 'node:fs';
import { type Authority, type Campaign, campaignSchema } from '../../src/domain/index.js';

export const campaign: Campaign = campaignSchema.parse(
  JSON.parse(readFileSync(new URL('../../data/sample/campaign.json', import.meta.url), 'utf8')),
);

/** The seed letter's authority: Liverpool City Region Combined Authority, 2023-24. */
export const lcrca: Authority = {
  id: 'liverpool-city-region-ca',
  name: 'Liverpool City Region Combined Authority',
  kind: 'combined-authority',
  chiefExecutive: { title: 'Ms', firstName: 'Katherine', surname: 'Fairclough', email: 'chief.executive@lcrca.example.org' },
  head: { role: 'Mayor', name: 'Morgan Ellery', email: 'mayor@lcrca.example.org' },
  population: null,
  trainingCourses: 3,
  investigations: 0,
  upheld: 0,
  complianceOutcomes: 0,
  complianceMet: 0,
  satisfactoryRemedies: 0,
  monitoringOfficers: [{ name: 'Priya Lomas', email: 'monitoring.officer@lcrca.example.org' }],
};

/** A council with some of everything; tests override what they are about. */
export function council(overrides: Partial<Authority> = {}): Authority {
  return {
    id: 'test-borough',
    name: 'Test Borough Council',
    kind: 'london-borough',
    chiefExecutive: { title: 'Mr', firstName: 'Adam', surname: 'Smith', email: 'ceo@test.example.org' },
    head: { role: 'Leader', name: 'Cllr Jane Doe', email: 'leader@test.example.org' },
    population: 250_000,
    trainingCourses: 2,
    investigations: 20,
    upheld: 15,
    complianceOutcomes: 10,
    complianceMet: 10,
    satisfactoryRemedies: 3,
    monitoringOfficers: [{ name: 'Pat Jones', email: 'mo@test.example.org' }],
    ...overrides,
  };
}

/**
 * Paragraphs with whitespace collapsed and link markup reduced to its words:
 * the seed's `[text](#)` and `<url>`, our text part's `text [url]`.
 */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
        .replace(/<(https?:\/\/[^>]+)>/g, '$1')
        .replace(/ \[(https?:|mailto:)[^\]]+\]/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((p) => p !== '');
}
