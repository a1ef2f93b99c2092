/**
 * Figure 6, pdf: what a letter's PDF costs. The worker's own path
 * (letterPdf: the chief executive's letter from the precompiled renderer,
 * printed by a PdfPrinter in Debian's Chromium with the worker's default
 * settings, dates fixed) for `letters` authorities spread over the sample
 * data, one at a time, after `warmup` unmeasured prints (the first launches
 * the browser, which is reported on its own). The figure is the median print
 * against the median render of the same letters' HTML (the PDF's source), in
 * the same run. Every PDF must start with `%PDF-` and end with `%%EOF`.
 * CPU per PDF, Chromium's and this process's, is the load-independent
 * second opinion on a shared machine.
 */

import { loadConfig } from '../src/config.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { createLetterRenderer } from '../src/render/letter-renderer.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { letterPdf } from '../src/send/letter-attachments.js';
import { treeCpuMsOf } from './lib/children.js';
import { type FigureResult, fmt, median, ratio } from './lib/report.js';

export interface PdfOptions {
  /** Authorities whose PDFs are timed (spread evenly over the sample). */
  letters: number;
  /** Unmeasured prints first: the browser's launch and Chromium's own warm-up. */
  warmup: number;
}

/** Renders of one letter timed together: one render takes tens of microseconds, below the clock's honest resolution. */
const RENDERS_PER_LETTER = 50;

export async function pdfFigure(o: PdfOptions): Promise<FigureResult> {
  const loaded = await loadDataSet(SAMPLE_DATA_DIR);
  if (!loaded.dataSet) throw new Error(`the sample data has ${loaded.problems.length} problems; run \`validate\``);
  const { campaign, authorities } = loaded.dataSet;
  const renderer = await createLetterRenderer(campaign);
  const config = loadConfig({});
  const printer = new PdfPrinter({
    executablePath: config.CHROMIUM_PATH,
    timeoutMs: config.PDF_TIMEOUT_MS,
    recycleAfter: config.PDF_BROWSER_LETTERS,
  });

  const step = Math.max(1, Math.floor(authorities.length / o.letters));
  const timed = authorities.filter((_, i) => i % step === 0).slice(0, o.letters);
  const warm = authorities.filter((_, i) => i % step === 1).slice(0, o.warmup);
  const printMs: number[] = [];
  const renderMs: number[] = [];
  const bytes: number[] = [];
  const broken: string[] = [];
  let launchMs = NaN;
  let chromiumCpuMs = NaN;
  let nodeCpuMs = NaN;
  try {
    for (const [i, authority] of warm.entries()) {
      const started = performance.now();
      await letterPdf(printer, campaign, renderer, authority);
      if (i === 0) launchMs = performance.now() - started;
    }
    const chromiumBefore = treeCpuMsOf(process.pid, 'chromium');
    let nodeMicros = 0;
    for (const authority of timed) {
      const renderStarted = performance.now();
      for (let i = 0; i < RENDERS_PER_LETTER; i++) renderer.document(authority);
      renderMs.push((performance.now() - renderStarted) / RENDERS_PER_LETTER);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const pdf = await letterPdf(printer, campaign, renderer, authority);
      printMs.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      nodeMicros += used.user + used.system;
      const content = pdf.content;
      bytes.push(content.length);
      const tail = content.subarray(-32).toString('latin1');
      if (!content.subarray(0, 5).equals(Buffer.from('%PDF-')) || !tail.includes('%%EOF')) broken.push(authority.id);
    }
    chromiumCpuMs = (treeCpuMsOf(process.pid, 'chromium') - chromiumBefore) / timed.length;
    nodeCpuMs = nodeMicros / 1000 / timed.length;
  } finally {
    await printer.close();
  }

  const pdfMs = median(printMs);
  const letterRenderMs = median(renderMs);
  const cost = pdfMs / letterRenderMs;
  const kb = median(bytes) / 1024;
  const line =
    `bench pdf: ${fmt(pdfMs)} ms per authority's PDF vs ${fmt(letterRenderMs)} ms rendering the same letter (${ratio(cost)}) - ` +
    `median of ${timed.length} after ${warm.length} warm-up prints (the first, with the browser's launch, ${fmt(launchMs)} ms); ` +
    `CPU per PDF ${fmt(chromiumCpuMs)} ms in Chromium + ${fmt(nodeCpuMs)} ms in node; ${timed.length - broken.length}/${timed.length} well-formed, median ${fmt(kb)} KB, ${printer.launches} browser launch(es), recycled every ${config.PDF_BROWSER_LETTERS}`;
  return {
    figure: 'pdf',
    lines: [line],
    fatal: broken.length > 0 ? `not a whole PDF for ${broken.slice(0, 5).join(', ')}` : undefined,
    data: {
      letters: timed.length,
      warmup: warm.length,
      pdfMsPerLetter: pdfMs,
      renderMsPerLetter: letterRenderMs,
      pdfToRender: cost,
      firstPrintWithLaunchMs: launchMs,
      cpuMsPerPdf: { chromium: chromiumCpuMs, node: nodeCpuMs },
      pdfRangeMs: [Math.min(...printMs), Math.max(...printMs)],
      medianPdfBytes: median(bytes),
      launches: printer.launches,
      recycleAfter: config.PDF_BROWSER_LETTERS,
      printMs,
      renderMs,
    },
  };
}
