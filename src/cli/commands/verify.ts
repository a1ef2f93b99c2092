/**
 * `verify DIR --key FILE [--pdf]`: checks an evidence pack against the
 * public key (src/operations/verify-evidence.ts). Exit 0 when everything
 * matches; exit 1 naming the first thing that does not.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config.js';
import { CliError } from '../../domain/index.js';
import { readPublicKey } from '../../evidence/signing-key.js';
import { type Verdict, verifyEvidencePack } from '../../operations/verify-evidence.js';
import { PdfPrinter } from '../../render/pdf/pdf-printer.js';
import type { Print } from '../print.js';

export interface VerifyOptions {
  dir: string;
  key: string;
  /** Print every letter's PDF again and compare it byte for byte (needs the same Chromium as the workers'). */
  pdf?: boolean;
}

export async function verifyCommand(options: VerifyOptions, config: Config, print: Print): Promise<Verdict> {
  const pem = await readFile(options.key).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`--key: cannot read ${options.key} (${error.code ?? 'unreadable'})`, 2);
  });
  let key: ReturnType<typeof readPublicKey>;
  try {
    key = readPublicKey(pem, options.key);
  } catch (error) {
    throw new CliError(`--key: ${(error as Error).message}`, 2);
  }
  const printer = options.pdf ? new PdfPrinter({ executablePath: config.CHROMIUM_PATH, timeoutMs: config.PDF_TIMEOUT_MS }) : undefined;
  const verdict = await verifyEvidencePack({ dir: options.dir, publicKey: key.publicKey, fingerprint: key.fingerprint, printer }).finally(
    () => printer?.close(),
  );
  if (!verdict.ok) throw new CliError(`${options.dir} does not verify: ${verdict.problem}`, 1);
  const p = verdict.pack;
  print.out(
    `verified: campaign ${p.campaign}${p.authority ? `, authority ${p.authority}` : ''}: ${p.entries} entries in an unbroken chain ` +
      `(head ${p.head}), signed by key ${key.fingerprint}`,
  );
  print.out(
    `  every file as its entry says; the campaign folder is approval ${p.approval}'s files; ${p.letters} letters made again from them, identical`,
  );
  if (p.pdfs > 0) print.out(`  ${p.pdfs} letter PDFs printed again, identical`);
  if (p.pdfsNotPrinted > 0) {
    print.out(`  ${p.pdfsNotPrinted} letter PDFs not printed again (--pdf prints them, with the Chromium at CHROMIUM_PATH)`);
  }
  return verdict;
}
