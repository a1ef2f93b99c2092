import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, isCouncil, recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer, type LetterRenderer, renderWithMjml } from '../src/render/letter-renderer.js';
import { defaultTemplatesDir } from '../src/render/templates.js';
import { campaign, council, lcrca } from './render/fixtures.js';

/** Authorities that between them take every branch of every template. */
const SAMPLE: Authority[] = [
  lcrca, // all zero, combined authority, Mayor, three courses
  council(), // many of everything, council with population, all compliance met
  council({
    id: 'ones',
    investigations: 1,
    upheld: 1,
    complianceOutcomes: 1,
    complianceMet: 1,
    satisfactoryRemedies: 1,
    trainingCourses: 1,
  }),
  council({
    id: 'none-upheld',
    investigations: 4,
    upheld: 0,
    satisfactoryRemedies: 0,
    complianceOutcomes: 3,
    complianceMet: 2,
    trainingCourses: 0,
  }),
  council({
    id: 'below-100',
    kind: 'unitary-authority',
    complianceOutcomes: 200,
    complianceMet: 199,
    trainingCourses: 11,
    population: null,
  }),
  council({ id: 'no-head', kind: 'fire-and-rescue', head: null, population: 900_000, trainingCourses: 10, monitoringOfficers: [] }),
  council({ id: 'national-park', kind: 'national-park', investigations: 8, upheld: 5, satisfactoryRemedies: 5, monitoringOfficers: [] }),
  council({
    id: 'odd-names',
    name: 'Smith & Sons <b> "Ó"',
    chiefExecutive: { title: '', firstName: 'Łucja', surname: "O'Neil  ", email: 'ceo@example.org' },
    head: { role: 'Chair\nof the Board', name: 'A  "B", C', email: 'chair@example.org' },
    monitoringOfficers: [
      { name: 'M. Ó Briain', email: 'mo1@example.org' },
      { name: 'N = 2 `x`', email: 'mo2@example.org' },
    ],
  }),
];

describe('the fast path', () => {
  let renderer: LetterRenderer;
  beforeAll(async () => {
    renderer = await createLetterRenderer(campaign);
  });

  it.each(SAMPLE.map((a) => ({ id: a.id, a })))('renders $id byte for byte as the reference path does', async ({ a }) => {
    for (const recipient of recipientsOf(a)) {
      // The reference path runs MJML with validationLevel 'strict': it throws on any invalid letter.
      const reference = await renderWithMjml(campaign, a, recipient);
      const fast = renderer.render(a, recipient);
      expect(fast.subject).toBe(reference.subject);
      expect(fast.html).toBe(reference.html);
      expect(fast.text).toBe(reference.text);
    }
  });

  /** A count of the sample data (0 where a year does not have it). */
  const f = (a: Authority, name: string): number => a.figures[name] ?? 0;

  it.each(['sample', 'sample-2024-25'])(
    'renders one authority of every kind of case in data/%s as the reference path does',
    async (folder) => {
      const dataDir = new URL(`../data/${folder}`, import.meta.url).pathname;
      const templatesDir = path.join(dataDir, 'templates');
      const { dataSet } = await loadDataSet(dataDir, { templatesDir });
      if (!dataSet) throw new Error(`data/${folder} has problems`);
      const yearRenderer = await createLetterRenderer(dataSet.campaign, { templatesDir });
      // Which sentences a letter takes: one authority per combination is enough.
      const shape = (a: Authority) =>
        [
          isCouncil(a.kind),
          f(a, 'complaints') === 0,
          f(a, 'not_for_us') === 1,
          f(a, 'investigations') === 0,
          f(a, 'compliance_outcomes') === 0,
          f(a, 'compliance_met') < f(a, 'compliance_outcomes'),
          f(a, 'upheld') === 0,
          a.figures.population === null,
          a.head === null,
          Math.min(f(a, 'training_courses'), 2),
          a.copies.length,
        ].join();
      const seen = new Set<string>();
      const picked = dataSet.authorities.filter((a) => !seen.has(shape(a)) && seen.add(shape(a)));
      expect(picked.length).toBeGreaterThan(10);
      for (const a of picked) {
        for (const recipient of recipientsOf(a)) {
          const reference = await renderWithMjml(dataSet.campaign, a, recipient, { templatesDir });
          expect(yearRenderer.render(a, recipient)).toEqual(reference);
        }
      }
    },
    120_000,
  );
  // Speed is measured by `npm run bench` (bench/render.ts), never in a timed test.
});

describe('template errors are caught when the renderer is created', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'letter-templates-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the real templates with one edit to letter.mjml. */
  async function templatesWith(edit: (source: string) => string): Promise<string> {
    const copy = await mkdtemp(path.join(dir, 'copy-'));
    await cp(defaultTemplatesDir(), copy, { recursive: true });
    const file = path.join(copy, 'letter.mjml');
    await writeFile(file, edit(await readFile(file, 'utf8')));
    return copy;
  }

  it('an MJML strict validation error', async () => {
    const templatesDir = await templatesWith((s) => s.replace('<mj-divider />', '<mj-divider colour="red" />'));
    await expect(createLetterRenderer(campaign, { templatesDir })).rejects.toThrow(/MJML strict validation failed.*colour/s);
    await expect(renderWithMjml(campaign, lcrca, recipientsOf(lcrca)[0]!, { templatesDir })).rejects.toThrow(
      /MJML strict validation failed/,
    );
  });

  it('Handlebars between MJML tags', async () => {
    const templatesDir = await templatesWith((s) => s.replace('<mj-divider />', '{{#if head}}<mj-divider />{{/if}}'));
    await expect(createLetterRenderer(campaign, { templatesDir })).rejects.toThrow(/Handlebars outside mj-text/);
  });

  it('mj-text content not wrapped in one element', async () => {
    const templatesDir = await templatesWith((s) => s.replace('<mj-divider />', '<mj-text>{{#if head}}<p>x</p>{{/if}}</mj-text>'));
    await expect(createLetterRenderer(campaign, { templatesDir })).rejects.toThrow(/wrap the content of each mj-text/);
  });

  it('wording the campaign lacks', async () => {
    const templatesDir = await templatesWith((s) =>
      s.replace('<mj-divider />', '<mj-text><div>{{#each campaign.wording.nextYearsNews}}<p>{{{this}}}</p>{{/each}}</div></mj-text>'),
    );
    await expect(createLetterRenderer(campaign, { templatesDir })).rejects.toThrow(/lacks: nextYearsNews/);
  });

  it('a missing partial', async () => {
    const templatesDir = await templatesWith((s) => s.replace('{{> heading}}', '{{> no-such-partial}}'));
    await expect(createLetterRenderer(campaign, { templatesDir })).rejects.toThrow(/partial \{\{> no-such-partial\}\} not found/);
  });
});
