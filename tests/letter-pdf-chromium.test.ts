/**
 * Which Chromium prints: CHROMIUM_PATH's (Debian's chromium-headless-shell)
 * whenever that file exists, else the one shipped inside the npm package
 * @sparticuz/chromium (a registry package, unpacked into the temp folder on
 * first use), so a machine with only Node and Redis still makes the PDFs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataSet } from '../src/data/load-data-set.js';
import type { Authority, Campaign } from '../src/domain/index.js';
import { PACKAGE_ROOT, SAMPLE_DATA_DIR } from '../src/paths.js';
import { createLetterRenderer, type LetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { pdfFonts, pdfInfo } from './support/pdf.js';
import { cleanPrefix, testConfig, uniquePrefix } from './support/redis.js';

const DEBIAN = '/usr/bin/chromium-headless-shell';
const MISSING = '/nonexistent/chromium-headless-shell';
const PACKAGED_MAJOR = (
  JSON.parse(
    readFileSync(join(createRequire(import.meta.url).resolve('@sparticuz/chromium'), '..', '..', '..', 'package.json'), 'utf8'),
  ) as { version: string }
).version.split('.')[0];

let dir = '';
let campaign: Campaign;
let lcrca: Authority;
let renderer: LetterRenderer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arm-chromium-'));
  const loaded = await loadDataSet(SAMPLE_DATA_DIR);
  campaign = loaded.dataSet!.campaign;
  lcrca = loaded.dataSet!.authorities.find((a) => a.id === 'lcrca')!;
  renderer = await createLetterRenderer(campaign);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The letter printed by a printer of its own whose CHROMIUM_PATH is `chromiumPath`, written to `name`. */
async function printLcrca(chromiumPath: string, name: string) {
  const printer = new PdfPrinter({ executablePath: chromiumPath });
  try {
    const chromium = await printer.chromium();
    const path = join(dir, name);
    await writeFile(path, (await letterPdf(printer, campaign, renderer, lcrca)).content);
    return { chromium, path };
  } finally {
    await printer.close();
  }
}

const layoutText = (pdfPath: string) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });

describe('the Chromium that prints the letters', () => {
  it("is CHROMIUM_PATH's when that file exists", async () => {
    const { chromium, path } = await printLcrca(DEBIAN, 'debian.pdf');
    expect(chromium).toMatchObject({ source: 'CHROMIUM_PATH', executablePath: DEBIAN });
    const major = /Chromium (\d+)\./.exec(execFileSync(DEBIAN, ['--version'], { encoding: 'utf8' }))?.[1];
    expect(pdfInfo(path).get('Producer')).toBe(`Skia/PDF m${major}`);
  }, 60_000);

  it('is the one shipped in @sparticuz/chromium when CHROMIUM_PATH names no file, and prints the same tagged A4 letter in the same font', async () => {
    const packaged = await printLcrca(MISSING, 'packaged.pdf');
    expect(packaged.chromium.source).toBe('@sparticuz/chromium');
    expect(packaged.chromium.description).toContain(`there is no ${MISSING}`);
    const info = pdfInfo(packaged.path);
    expect(info.get('Producer')).toBe(`Skia/PDF m${PACKAGED_MAJOR}`);
    expect(info.get('Tagged')).toBe('yes');
    expect(info.get('Page size')).toMatch(/\(A4\)$/);
    // The shipped font, embedded: not whatever the machine (or the package) has installed.
    const fonts = pdfFonts(packaged.path);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.embedded && /\+Arimo-(Regular|Bold)$/.test(f.name))).toBe(true);
    // Line for line and page for page what Debian's Chromium prints.
    const debian = await printLcrca(DEBIAN, 'debian-again.pdf');
    expect(layoutText(packaged.path)).toBe(layoutText(debian.path));
  }, 120_000);
});

const NSS = [
  'libnss3.so',
  'libnspr4.so',
  'libplc4.so',
  'libplds4.so',
  'libnssutil3.so',
  'libsmime3.so',
  'libssl3.so',
  'libsoftokn3.so',
  'libfreebl3.so',
];

/** Whether this process may make a private mount namespace (root, with unshare): CI runs as root. */
function canHideLibraries(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
}

describe('the packaged Chromium on a machine without the NSS libraries Chromium needs', () => {
  const prefix = uniquePrefix('publish-no-nss');
  afterAll(async () => {
    await cleanPrefix(prefix);
  });

  it.skipIf(!canHideLibraries())(
    'publishes the letters as PDFs through the CLI with the system NSS hidden in a private mount namespace',
    async () => {
      const data = join(dir, 'no-nss-data');
      const out = join(dir, 'no-nss-out');
      await writeDataSet(data, [{ id: 'alpha', stats: [4, 3, 2, 2, 1] }]);
      const config = testConfig(prefix);
      await approve(config, data);
      // Every NSS library the machine has becomes an empty file for this one process tree, as on a machine without them.
      const libs = NSS.map((name) => join('/usr/lib/x86_64-linux-gnu', name)).filter((lib) => existsSync(lib));
      const hide = libs.map((lib) => `mount --bind /dev/null ${lib} && test ! -s ${lib}`).join(' && ');
      const cli = join(PACKAGE_ROOT, 'bin', 'annual-review-mailer.js');
      const run = spawnSync(
        'unshare',
        ['-m', 'sh', '-c', `${hide || 'true'} && exec "${process.execPath}" "${cli}" publish --data "${data}" --out "${out}"`],
        {
          encoding: 'utf8',
          env: { ...process.env, REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: prefix, CHROMIUM_PATH: MISSING, LOG_LEVEL: 'silent' },
          timeout: 120_000,
        },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const pdf = join(out, 'alpha.pdf');
      expect(pdfInfo(pdf).get('Producer')).toBe(`Skia/PDF m${PACKAGED_MAJOR}`);
      expect(pdfInfo(pdf).get('Tagged')).toBe('yes');
    },
    180_000,
  );
});
