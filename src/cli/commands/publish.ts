/**
 * `publish --data DIR --out DIR`: the publication set for the website, every
 * authority's letter as `<authority-id>.pdf` (the same bytes its recipients
 * got) and `index.csv` (authority_id,name,kind,file,sha256). The authorities'
 * own attachments are never published. Like `run`, it refuses a campaign that
 * is not approved or has changed since.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { toCsv } from '../../csv-file.js';
import { campaignTemplatesDir } from '../../data/load-data-set.js';
import type { Authority } from '../../domain/index.js';
import { CliError } from '../../domain/index.js';
import { openOperations } from '../../operations/context.js';
import { createLetterRenderer } from '../../render/letter-renderer.js';
import { PdfPrinter } from '../../render/pdf/pdf-printer.js';
import { checkFilesApproved } from '../../safety/approval.js';
import { fingerprintFiles, sha256 } from '../../safety/fingerprint.js';
import { letterPdf } from '../../send/letter-attachments.js';
import { loadValidData } from '../load-valid-data.js';
import type { Print } from '../print.js';

export interface PublishOptions {
  data: string;
  out: string;
  /** The templates to render, and to check against the approval. Default: the campaign folder's templates/. */
  templatesDir?: string;
}

export interface PublishResult {
  files: number;
  index: string;
}

/** PDFs printed at once: the browser's pages share the machine's cores. */
const PARALLEL_PRINTS = 2;

export async function publishCommand(options: PublishOptions, config: Config, print: Print): Promise<PublishResult> {
  const templatesDir = campaignTemplatesDir(options.data, options.templatesDir);
  const data = await loadValidData(options.data, { print: print.err, templatesDir });
  const fingerprint = await fingerprintFiles(options.data, options.templatesDir);
  const ops = await openOperations(config);
  try {
    const check = checkFilesApproved(data.campaign.id, await ops.storage.approvals.get(data.campaign.id), fingerprint.files);
    if (!check.ok) throw new CliError(`${check.reason}; nothing was published`, 1);
  } finally {
    await ops.close();
  }

  const renderer = await createLetterRenderer(data.campaign, { templatesDir });
  const printer = new PdfPrinter({
    executablePath: config.CHROMIUM_PATH,
    timeoutMs: config.PDF_TIMEOUT_MS,
    recycleAfter: config.PDF_BROWSER_LETTERS,
    pages: config.PDF_PAGES,
  });
  await mkdir(options.out, { recursive: true });
  const rows: string[][] = new Array(data.authorities.length);
  let next = 0;
  const publishOne = async (authority: Authority, index: number) => {
    const pdf = await letterPdf(printer, data.campaign, renderer, authority);
    const file = `${authority.id}.pdf`;
    await writeFile(join(options.out, file), pdf.content);
    rows[index] = [authority.id, authority.name, authority.kind, file, sha256(pdf.content)];
  };
  try {
    await Promise.all(
      Array.from({ length: PARALLEL_PRINTS }, async () => {
        for (let i = next++; i < data.authorities.length; i = next++) await publishOne(data.authorities[i]!, i);
      }),
    );
  } finally {
    await printer.close();
  }
  const index = join(options.out, 'index.csv');
  await writeFile(index, toCsv(rows, ['authority_id', 'name', 'kind', 'file', 'sha256']));
  print.out(`published ${rows.length} letters of campaign ${data.campaign.id} to ${options.out}, listed in ${index}`);
  return { files: rows.length, index };
}
