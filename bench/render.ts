/**
 * Figure 1, render: the reference path (Handlebars into MJML, then mjml2html
 * and html-to-text, per letter) against the fast path (MJML compiled once,
 * two compiled Handlebars templates per letter), on the sample data. The
 * letters timed on the reference path are also compared byte for byte with
 * the fast path's; any difference fails the bench.
 */

import { loadDataSet } from '../src/data/load-data-set.js';
import { type Authority, type Recipient, recipientsOf } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { createLetterRenderer, renderWithMjml } from '../src/render/letter-renderer.js';
import { type FigureResult, fmt, passMark, ratio } from './lib/report.js';

export interface RenderOptions {
  /** Letters rendered through mjml2html (spread evenly over the sample). */
  referenceLetters: number;
  /** How long to keep rendering on the fast path, in ms. */
  fastMs: number;
}

const TARGET = 200;

export async function renderFigure(options: RenderOptions): Promise<FigureResult> {
  const loaded = await loadDataSet(SAMPLE_DATA_DIR);
  if (!loaded.dataSet) throw new Error(`the sample data has ${loaded.problems.length} problems; run \`validate\``);
  const { campaign, authorities } = loaded.dataSet;
  const letters: Array<{ authority: Authority; recipient: Recipient }> = authorities.flatMap((authority) =>
    recipientsOf(authority).map((recipient) => ({ authority, recipient })),
  );

  const compileStarted = performance.now();
  const renderer = await createLetterRenderer(campaign);
  const compileMs = performance.now() - compileStarted;

  // Fast path: one untimed pass to warm the JIT, then whole passes until fastMs is up.
  let bytes = 0;
  for (const { authority, recipient } of letters) {
    const letter = renderer.render(authority, recipient);
    bytes += letter.html.length + letter.text.length;
  }
  let rendered = 0;
  const fastStarted = performance.now();
  let fastElapsed = 0;
  while (fastElapsed < options.fastMs) {
    for (const { authority, recipient } of letters) renderer.render(authority, recipient);
    rendered += letters.length;
    fastElapsed = performance.now() - fastStarted;
  }
  const fastMsPerLetter = fastElapsed / rendered;

  // Reference path on an even spread of the letters, after two untimed warm-ups.
  const step = Math.max(1, Math.floor(letters.length / options.referenceLetters));
  const sample = letters.filter((_, i) => i % step === 0).slice(0, options.referenceLetters);
  for (const { authority, recipient } of sample.slice(0, 2)) await renderWithMjml(campaign, authority, recipient);
  const mismatches: string[] = [];
  let referenceElapsed = 0;
  for (const { authority, recipient } of sample) {
    const started = performance.now();
    const reference = await renderWithMjml(campaign, authority, recipient);
    referenceElapsed += performance.now() - started;
    const fast = renderer.render(authority, recipient);
    for (const part of ['subject', 'html', 'text'] as const) {
      if (fast[part] !== reference[part]) mismatches.push(`${authority.id}/${recipient.key} ${part}`);
    }
  }
  const referenceMsPerLetter = referenceElapsed / sample.length;
  const speedup = referenceMsPerLetter / fastMsPerLetter;
  const pass = speedup >= TARGET && mismatches.length === 0;

  const identical = mismatches.length === 0 ? `, ${sample.length}/${sample.length} byte-identical` : `, ${mismatches.length} MISMATCHES`;
  const line =
    `bench render: ${fmt(fastMsPerLetter)} ms/letter precompiled vs ${fmt(referenceMsPerLetter)} ms mjml2html ` +
    `(${ratio(speedup)}; target >= ${TARGET}x${identical})${passMark(pass)}`;
  return {
    figure: 'render',
    lines: [line],
    pass,
    fatal: mismatches.length > 0 ? `fast path differs from mjml2html: ${mismatches.slice(0, 5).join(', ')}` : undefined,
    data: {
      sampleLetters: letters.length,
      averageLetterChars: Math.round(bytes / letters.length),
      compileOnceMs: compileMs,
      fast: { letters: rendered, elapsedMs: fastElapsed, msPerLetter: fastMsPerLetter, lettersPerSecond: 1000 / fastMsPerLetter },
      reference: {
        letters: sample.length,
        elapsedMs: referenceElapsed,
        msPerLetter: referenceMsPerLetter,
        lettersPerSecond: 1000 / referenceMsPerLetter,
      },
      speedup,
      target: TARGET,
      byteIdentical: mismatches.length === 0,
      mismatches,
    },
  };
}
