/**
 * The letterhead of the letter on paper: campaign.json's `letterhead` (a
 * logo in the templates folder, its alternative text, the sender's address),
 * printed by templates/print.mjml. Checked by `validate`, compiled into the
 * stored letter (so a worker on another host needs no file of the campaign
 * folder), covered by approval; optional, like print.mjml itself.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { validateCommand } from '../src/cli/commands/validate.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { campaignSchema, TemplateError } from '../src/domain/index.js';
import { PACKAGE_ROOT, SAMPLE_DATA_DIR } from '../src/paths.js';
import { compileLetter, createLetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { CampaignStore } from '../src/storage/campaign-store.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { figureAltTexts, pageTexts, words } from './support/pdf.js';

const dirs: string[] = [];
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arm-letterhead-'));
  dirs.push(dir);
  return dir;
}

/** A two-authority campaign folder (the sample's campaign.json and templates), with `edit` applied to campaign.json. */
async function campaignFolder(edit: (campaign: Record<string, unknown>) => void = () => {}): Promise<string> {
  const data = join(await tempDir(), 'data');
  await writeDataSet(data, [{ id: 'alpha', stats: [4, 3, 2, 2, 1] }, { id: 'beta' }]);
  const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
  edit(campaign);
  await writeFile(join(data, 'campaign.json'), `${JSON.stringify(campaign, null, 2)}\n`);
  return data;
}

async function validateLines(data: string): Promise<string[]> {
  const lines: string[] = [];
  await validateCommand({ data }, { out: (line) => lines.push(line), err: () => {} }).catch(() => {});
  return lines;
}

const sampleLetterhead = async () =>
  (JSON.parse(await readFile(join(SAMPLE_DATA_DIR, 'campaign.json'), 'utf8')) as { letterhead: Record<string, unknown> }).letterhead;

describe('the letterhead in campaign.json', () => {
  it('is in every bundled campaign, whose folder validates with its placeholder logo', async () => {
    for (const name of await readdir(join(PACKAGE_ROOT, 'data'))) {
      const data = join(PACKAGE_ROOT, 'data', name);
      const lines = await validateLines(data);
      expect(lines.at(-1), name).toMatch(/^ok: campaign /);
      const campaign = (await loadDataSet(data)).campaign!;
      expect(campaign.letterhead?.logo, name).toBe('letterhead/placeholder-logo.svg');
      const logo = await readFile(join(data, 'templates', campaign.letterhead!.logo), 'utf8');
      expect(logo).toContain('not the Ombudsman');
      expect(campaign.letterhead?.logoAlt).toMatch(/Ombudsman \(placeholder logo\)$/);
    }
  });

  it('may be left out: a campaign without one validates, and its PDF has no letterhead', async () => {
    const data = await campaignFolder((campaign) => {
      delete campaign.letterhead;
    });
    expect((await validateLines(data)).at(-1)).toMatch(/^ok: campaign 2023-24, 2 authorities/);
    const { dataSet } = await loadDataSet(data);
    const renderer = await createLetterRenderer(dataSet!.campaign, { templatesDir: join(data, 'templates') });
    const html = renderer.document(dataSet!.authorities[0]!).html;
    expect(html).not.toContain('<img');
    expect(html).toContain('Annual Review letter 2023-24');
  });

  it.each([
    ['../logo.svg', 'name an .svg or .png file inside templates/'],
    ['letterhead/.logo.svg', 'name an .svg or .png file inside templates/'],
    ['letterhead/logo.jpg', 'name an .svg or .png file inside templates/'],
  ])('refuses the logo %s, naming the field', async (logo, reason) => {
    const data = await campaignFolder((campaign) => {
      (campaign.letterhead as Record<string, unknown>).logo = logo;
    });
    expect(await validateLines(data)).toContainEqual(
      expect.stringMatching(new RegExp(`^campaign\\.json:\\d+: letterhead\\.logo: ${reason.replace(/[.*]/g, '\\$&')}`)),
    );
  });

  it('refuses a logo that is not in the templates folder, and a letterhead with no print layout to print it', async () => {
    const data = await campaignFolder((campaign) => {
      (campaign.letterhead as Record<string, unknown>).logo = 'letterhead/missing.png';
    });
    await rm(join(data, 'templates', 'print.mjml'));
    const lines = await validateLines(data);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^campaign\.json:\d+: letterhead\.logo: no file templates\/letterhead\/missing\.png: the logo must be an \.svg or \.png file/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^campaign\.json:\d+: letterhead: there is no templates\/print\.mjml/));
  });

  it('refuses, when the templates are compiled, a logo whose bytes are not the image its name says', async () => {
    const data = await campaignFolder((campaign) => {
      (campaign.letterhead as Record<string, unknown>).logo = 'letterhead/logo.png';
    });
    await writeFile(join(data, 'templates', 'letterhead', 'logo.png'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const campaign = (await loadDataSet(data)).campaign!;
    const compiled = compileLetter(campaign, { templatesDir: join(data, 'templates') });
    await expect(compiled).rejects.toThrow(TemplateError);
    await expect(compiled).rejects.toThrow(/campaign\.json letterhead\.logo \(.*logo\.png\): not a PNG image/);
  });

  it('takes a PNG logo as well as an SVG one', async () => {
    const data = await campaignFolder((campaign) => {
      (campaign.letterhead as Record<string, unknown>).logo = 'letterhead/logo.png';
    });
    // The smallest PNG there is: one white pixel.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==', 'base64');
    await writeFile(join(data, 'templates', 'letterhead', 'logo.png'), png);
    const campaign = (await loadDataSet(data)).campaign!;
    const compiled = await compileLetter(campaign, { templatesDir: join(data, 'templates') });
    expect(compiled.print?.logo).toBe(`data:image/png;base64,${png.toString('base64')}`);
  });

  it('is not needed by the schema: every campaign without one parses as before', async () => {
    const { letterhead: _, ...without } = JSON.parse(await readFile(join(SAMPLE_DATA_DIR, 'campaign.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(campaignSchema.safeParse(without).success).toBe(true);
    expect(campaignSchema.safeParse({ ...without, letterhead: await sampleLetterhead() }).success).toBe(true);
  });
});

describe('the letterhead on its way to the workers', () => {
  it('travels in the stored campaign: a worker prints the logo and the address with the campaign folder gone', async () => {
    const data = await campaignFolder((campaign) => {
      campaign.letterAs = 'both';
    });
    harness = await startHarness('letterhead-stored', { sink: { keepRaw: true } });
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    // The stored letter holds the logo itself ...
    const stored = await new CampaignStore(harness.producer.redis, harness.config.QUEUE_PREFIX).load('2023-24');
    const svg = await readFile(join(data, 'templates', 'letterhead', 'placeholder-logo.svg'));
    expect(stored?.letter.print?.logo).toBe(`data:image/svg+xml;base64,${svg.toString('base64')}`);
    // ... so the worker needs nothing of the folder, as on another host.
    await rm(data, { recursive: true, force: true });
    await harness.startWorker();
    const totals = await harness.waitIdle(2, '2023-24');
    expect(totals).toMatchObject({ sent: totals.deliveries, permanentFailures: 0 });

    const raw = harness.sink.raw.get('<2023-24.alpha.ceo@example.org>')!;
    const pdf = (await simpleParser(raw)).attachments.find((a) => a.contentType === 'application/pdf')!.content;
    expect(figureAltTexts(pdf)).toEqual(['Local Government and Social Care Ombudsman (placeholder logo)']);
    const path = join(await tempDir(), 'alpha.pdf');
    await writeFile(path, pdf);
    expect(words(pageTexts(path)[0]!).slice(0, 5)).toEqual(['PO', 'Box', '4771', 'Coventry', 'CV4']);
  }, 120_000);

  it('is approved with the templates: a changed logo stops the run and is named', async () => {
    const data = await campaignFolder();
    harness = await startHarness('letterhead-approval');
    await approve(harness.config, data);
    const logo = join(data, 'templates', 'letterhead', 'placeholder-logo.svg');
    await writeFile(logo, (await readFile(logo, 'utf8')).replace('#1d4f91', '#d4351c'));
    await expect(runCommand({ data, wait: false }, harness.config, quietPrint)).rejects.toThrow(
      /templates\/letterhead\/placeholder-logo\.svg changed/,
    );
  });
});

describe('a campaign without a print layout', () => {
  it("prints the email's layout on the same paper: white, numbered pages in the shipped font", async () => {
    const templates = join(await tempDir(), 'templates');
    await cp(join(SAMPLE_DATA_DIR, 'templates'), templates, { recursive: true });
    await rm(join(templates, 'print.mjml'));
    const { dataSet } = await loadDataSet(SAMPLE_DATA_DIR);
    const renderer = await createLetterRenderer(dataSet!.campaign, { templatesDir: templates });
    const lcrca = dataSet!.authorities.find((a) => a.id === 'lcrca')!;
    expect(renderer.document(lcrca).html).toContain('aria-roledescription="email"');
    const printer = new PdfPrinter();
    try {
      const path = join(await tempDir(), 'lcrca.pdf');
      await writeFile(path, (await letterPdf(printer, dataSet!.campaign, renderer, lcrca)).content);
      const pages = pageTexts(path);
      expect(pages.map((page) => words(page).slice(-4).join(' '))).toEqual(pages.map((_, i) => `Page ${i + 1} of ${pages.length}`));
      expect(words(pages[0]!).slice(0, 3)).toEqual(['17', 'July', '2024']);
    } finally {
      await printer.close();
    }
  }, 60_000);
});
