/**
 * Which Chromium prints the letters: the one at CHROMIUM_PATH (Debian's
 * chromium-headless-shell by default) whenever that file exists; otherwise
 * the Chromium shipped inside the npm package @sparticuz/chromium, so that a
 * machine with only Node and Redis still makes the PDFs.
 *
 * The packaged one is unpacked on first use (about 1.4 s) into the temp
 * folder, by the package itself; beside it we unpack the NSS libraries the
 * package ships for it (a slim machine has none) and point it at the
 * package's own fontconfig, so it needs nothing of the machine but Linux on
 * x64. The letter's own font is written into every page (./paper.ts) either
 * way.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { extract } from 'tar-fs';
import { PdfPrintError } from '../../domain/index.js';

export const PACKAGED_CHROMIUM = '@sparticuz/chromium';

export interface ChromiumBinary {
  executablePath: string;
  /** Where it came from: the file CHROMIUM_PATH names, or the npm package. */
  source: 'CHROMIUM_PATH' | typeof PACKAGED_CHROMIUM;
  /** One line for the operator: which Chromium, and where. */
  description: string;
  /** Added to the browser's environment: the packaged one's libraries and fonts. */
  env: Record<string, string>;
}

const require = createRequire(import.meta.url);
let packaged: Promise<ChromiumBinary> | null = null;

/** The Chromium to launch now; the packaged one is unpacked once per process, and again only after a failure. */
export function findChromium(chromiumPath: string): Promise<ChromiumBinary> {
  if (existsSync(chromiumPath)) {
    return Promise.resolve({
      executablePath: chromiumPath,
      source: 'CHROMIUM_PATH',
      description: `${chromiumPath} (CHROMIUM_PATH)`,
      env: {},
    });
  }
  if (!packaged) {
    packaged = unpackPackagedChromium(chromiumPath);
    packaged.catch(() => {
      packaged = null;
    });
  }
  return packaged;
}

async function unpackPackagedChromium(chromiumPath: string): Promise<ChromiumBinary> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new PdfPrintError(
      `there is no Chromium at CHROMIUM_PATH (${chromiumPath}), and the one in the npm package ${PACKAGED_CHROMIUM} runs on Linux x64 only ` +
        `(this is ${process.platform} ${process.arch}): install Chromium and set CHROMIUM_PATH to it`,
    );
  }
  try {
    // The package's entry point is build/{esm,cjs}/; its brotli files are in bin/ beside build/.
    const packageDir = join(dirname(require.resolve(PACKAGED_CHROMIUM)), '..', '..');
    // By its path: the package's exports do not list package.json.
    const { version } = require(join(packageDir, 'package.json')) as { version: string };
    const { default: chromium } = await import('@sparticuz/chromium');
    const executablePath = await chromium.executablePath();
    const libraries = await unpackLibraries(join(packageDir, 'bin', 'al2023.tar.br'), version);
    return {
      executablePath,
      source: PACKAGED_CHROMIUM,
      description: `the Chromium of the npm package ${PACKAGED_CHROMIUM} ${version}, unpacked to ${executablePath} (there is no ${chromiumPath}, CHROMIUM_PATH)`,
      env: {
        LD_LIBRARY_PATH: [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        // The package unpacks its fonts.conf and fonts there: the same fallback fonts on every machine.
        FONTCONFIG_PATH: join(tmpdir(), 'fonts'),
      },
    };
  } catch (error) {
    throw new PdfPrintError(
      `there is no Chromium at CHROMIUM_PATH (${chromiumPath}), and the one in the npm package ${PACKAGED_CHROMIUM} could not be unpacked: ` +
        `${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * The NSS libraries the package ships for its Chromium (it unpacks them only
 * on AWS), into a folder of their own in the temp folder. Unpacked beside
 * and then renamed into place, so a process starting at the same moment
 * never sees half of them.
 */
async function unpackLibraries(archive: string, version: string): Promise<string> {
  const folder = join(tmpdir(), `annual-review-mailer-chromium-${version}`);
  const libraries = join(folder, 'lib');
  if (existsSync(join(libraries, 'libnss3.so'))) return libraries;
  const staging = await mkdtemp(`${folder}-`);
  try {
    await pipeline(createReadStream(archive), createBrotliDecompress(), extract(staging));
    await rename(staging, folder);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process put them there first.
    if (!existsSync(join(libraries, 'libnss3.so'))) throw error;
  }
  return libraries;
}
