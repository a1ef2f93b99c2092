/**
 * A registered monitoring officer can stop receiving the letter: when the
 * campaign names its register page (`registerUrl`), their copy links to its
 * /withdraw page. Nobody else's letter carries the link, and without a
 * register page no letter does.
 */
import { describe, expect, it } from 'vitest';
import { type Campaign, recipientsOf } from '../src/domain/index.js';
import { createLetterRenderer } from '../src/render/letter-renderer.js';
import { campaign, lcrca } from './render/fixtures.js';

const REGISTER = 'https://register.ombudsman.example/';
const WITHDRAW = 'https://register.ombudsman.example/withdraw';

async function lettersOf(settings: Campaign) {
  const renderer = await createLetterRenderer(settings);
  return new Map(recipientsOf(lcrca).map((r) => [r.key, renderer.render(lcrca, r)]));
}

describe("the withdraw link in a monitoring officer's copy", () => {
  it('links the officer to the register page to stop receiving it, in the HTML and the text part', async () => {
    const letters = await lettersOf({ ...campaign, registerUrl: REGISTER });
    const officer = letters.get('mo-1')!;
    expect(officer.html).toContain(`<a href="${WITHDRAW}">${WITHDRAW}</a>`);
    expect(officer.text).toMatch(
      /you registered as Monitoring Officer of Liverpool City Region Combined Authority\. To stop receiving it, go to/,
    );
    expect(officer.text).toContain(WITHDRAW);
  });

  it("gives the chief executive's letter and the political head's copy no such link", async () => {
    const letters = await lettersOf({ ...campaign, registerUrl: REGISTER });
    for (const key of ['ceo', 'head']) {
      expect(letters.get(key)!.html).not.toContain('/withdraw');
      expect(letters.get(key)!.text).not.toContain('stop receiving');
    }
  });

  it('has no link in any letter when the campaign names no register page', async () => {
    const letters = await lettersOf({ ...campaign, registerUrl: undefined });
    for (const letter of letters.values()) expect(letter.html).not.toContain('/withdraw');
  });
});
