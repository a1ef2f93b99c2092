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
  figures: {
    population: null,
    training_courses: 3,
    investigations: 0,
    upheld: 0,
    compliance_outcomes: 0,
    compliance_met: 0,
    satisfactory_remedies: 0,
  },
  copies: [
    { key: 'head', role: 'head', name: 'Morgan Ellery', email: 'mayor@lcrca.example.org' },
    { key: 'mo-1', role: 'mo', name: 'Priya Lomas', email: 'monitoring.officer@lcrca.example.org' },
  ],
};

/** The 2023-24 figures, by the names the sample campaign declares. */
export interface Figures2023 {
  population: number | null;
  trainingCourses: number;
  investigations: number;
  upheld: number;
  complianceOutcomes: number;
  complianceMet: number;
  satisfactoryRemedies: number;
}

export type CouncilOverrides = Partial<Omit<Authority, 'figures' | 'copies'>> &
  Partial<Figures2023> & { monitoringOfficers?: Array<{ name: string; email: string }> };

/**
 * A council with some of everything; tests override what they are about.
 * Figures and monitoring officers are given flat, as the tests think of them,
 * and become the authority's `figures` and `copies` as the data stage makes them.
 */
export function council(overrides: CouncilOverrides = {}): Authority {
  const o = {
    id: 'test-borough',
    name: 'Test Borough Council',
    kind: 'london-borough' as const,
    chiefExecutive: { title: 'Mr', firstName: 'Adam', surname: 'Smith', email: 'ceo@test.example.org' },
    head: { role: 'Leader', name: 'Cllr Jane Doe', email: 'leader@test.example.org' } as Authority['head'],
    population: 250_000 as number | null,
    trainingCourses: 2,
    investigations: 20,
    upheld: 15,
    complianceOutcomes: 10,
    complianceMet: 10,
    satisfactoryRemedies: 3,
    monitoringOfficers: [{ name: 'Pat Jones', email: 'mo@test.example.org' }],
    ...overrides,
  };
  return {
    id: o.id,
    name: o.name,
    kind: o.kind,
    chiefExecutive: o.chiefExecutive,
    head: o.head,
    figures: {
      population: o.population,
      training_courses: o.trainingCourses,
      investigations: o.investigations,
      upheld: o.upheld,
      compliance_outcomes: o.complianceOutcomes,
      compliance_met: o.complianceMet,
      satisfactory_remedies: o.satisfactoryRemedies,
    },
    copies: [
      ...(o.head ? [{ key: 'head', role: 'head', name: o.head.name, email: o.head.email }] : []),
      ...o.monitoringOfficers.map((mo, i) => ({ key: `mo-${i + 1}`, role: 'mo', ...mo })),
    ],
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
