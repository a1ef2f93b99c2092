import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { campaign, lcrca, paragraphs } from './render/fixtures.js';

// A copy of /work/shared/reference/annual-review-letter-2023-24-lcrca.txt, so CI needs nothing outside the repo.
const seed = readFileSync(new URL('./render/seed-letter-2023-24-lcrca.txt', import.meta.url), 'utf8');

describe('the 2023-24 letter to Liverpool City Region Combined Authority', () => {
  let renderer: LetterRenderer;
  beforeAll(async () => {
    renderer = await createLetterRenderer(campaign);
  });

  it('reads the same as the seed letter, paragraph for paragraph', () => {
    const ceo = recipientsOf(lcrca)[0]!;
    expect(paragraphs(renderer.render(lcrca, ceo).text)).toEqual(paragraphs(seed));
  });

  it('has the campaign subject with the authority name', () => {
    const ceo = recipientsOf(lcrca)[0]!;
    expect(renderer.render(lcrca, ceo).subject).toBe('Annual Review letter 2023-24: Liverpool City Region Combined Authority');
  });
});
