/**
 * A PDF maker that crashes or hangs fails that attempt as transient: nothing
 * was claimed, BullMQ retries the job, and every letter is then sent once.
 * A hung browser is killed (it would never answer a request to close), and
 * the next letter gets a new one.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/cli/commands/run.js';
import { PdfPrintError } from '../src/domain/index.js';
import { PdfPrinter } from '../src/render/pdf/pdf-printer.js';
import { approve } from './support/approve.js';
import { writeDataSet } from './support/data-set.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';

let harness: Harness | undefined;
let printer: PdfPrinter | undefined;
let dir = '';
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await printer?.close();
  printer = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A Chromium wrapper: on its first start it runs `first` (a shell line), after that it is the real one. */
async function chromiumThatFirst(first: string): Promise<string> {
  const chromium = join(dir, 'chromium');
  await writeFile(
    chromium,
    `#!/bin/sh\nif [ ! -e "${dir}/started" ]; then touch "${dir}/started"; ${first}; fi\nexec /usr/bin/chromium-headless-shell "$@"\n`,
  );
  await chmod(chromium, 0o755);
  return chromium;
}

/** Runs one authority with the letter as a PDF through an in-process worker whose Chromium is `chromium`. */
async function runOneAuthority(name: string, chromium: string, env: Record<string, string> = {}) {
  const data = join(dir, 'data');
  await writeDataSet(data, [{ id: 'alpha', monitoringOfficers: ['mo@alpha.example.org'] }]);
  const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'both' }, null, 2));
  harness = await startHarness(name, { env: { CHROMIUM_PATH: chromium, ...env } });
  await approve(harness.config, data);
  await harness.startWorker();
  await runCommand({ data, wait: false }, harness.config, quietPrint);
  return harness.waitIdle(1, '2023-24');
}

/** The first attempt failed as transient with `reason`, the second sent one message to each recipient, each claimed once. */
async function expectSentOnceAfterOneFailure(h: Harness, reason: RegExp) {
  expect([...h.sink.countsByMessageId().values()]).toEqual([1, 1, 1]);
  const job = await h.producer.letters.getJob('2023-24-alpha');
  expect(job?.attemptsMade).toBe(2);
  const logs = await h.producer.letters.getJobLogs('2023-24-alpha');
  expect(logs.logs[0]).toMatch(reason);
  // Nothing was claimed in the failed attempt: each recipient's ledger record took one attempt.
  for await (const record of h.producer.ledger('2023-24').records()) expect(record).toMatchObject({ status: 'sent', attempts: 1 });
}

/** Live (not zombie) Chromium processes whose parent is this process: the printers' browsers. */
function ourBrowsers(): number[] {
  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,stat=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, comm]) => /chrom/.test(comm ?? '') && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Processes of process group `group` that are not zombies. */
function liveProcessesInGroup(group: number): number {
  const out = execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pgid, stat]) => Number(pgid) === group && !stat?.startsWith('Z')).length;
}

/** A small letter for the printer tests. */
const LETTER = '<!doctype html><html lang="en-GB"><head><title>A letter</title></head><body><p>Dear reader</p></body></html>';

/** A printer that has printed one letter (closed after the test), and the process group of the one browser it launched. */
async function printerWithItsBrowser(timeoutMs: number): Promise<{ printer: PdfPrinter; browser: number }> {
  const started = new PdfPrinter({ timeoutMs });
  printer = started;
  const before = ourBrowsers();
  await started.print(LETTER, { date: '2024-07-17' });
  const launched = ourBrowsers().filter((pid) => !before.includes(pid));
  expect(launched).toHaveLength(1);
  return { printer: started, browser: launched[0]! };
}

describe('a PDF maker crash', () => {
  it('fails the attempt as transient, and the letter is then sent once to each recipient', async () => {
    dir = await mkdtemp(join(tmpdir(), 'arm-pdf-crash-'));
    // A Chromium that dies at its first start (as a crashed or killed browser would).
    const totals = await runOneAuthority('pdf-crash', await chromiumThatFirst('kill -SEGV $$'));
    expect(totals).toMatchObject({ deliveries: 3, sent: 3, temporaryFailures: 0 });
    await expectSentOnceAfterOneFailure(harness!, /^not sent, will retry: the PDF maker failed/);
  }, 90_000);
});

describe('a hung PDF maker', () => {
  it('fails the attempt as transient after PDF_TIMEOUT_MS, and the letter is then sent once to each recipient', async () => {
    dir = await mkdtemp(join(tmpdir(), 'arm-pdf-hang-'));
    // A Chromium that freezes at its first start (SIGSTOP: alive, never answering).
    const totals = await runOneAuthority('pdf-hang', await chromiumThatFirst('kill -STOP $$'), { PDF_TIMEOUT_MS: '2000' });
    expect(totals).toMatchObject({ deliveries: 3, sent: 3, temporaryFailures: 0 });
    await expectSentOnceAfterOneFailure(harness!, /^not sent, will retry: .*(not made within 2000 ms|Timeout 2000ms)/);
  }, 90_000);

  it('that died between two letters is replaced, and the next letter prints', async () => {
    const { printer, browser } = await printerWithItsBrowser(5000);
    process.kill(-browser, 'SIGKILL');
    await expect.poll(() => liveProcessesInGroup(browser), { timeout: 10_000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // time for the printer to hear of it

    const pdf = await printer.print(LETTER, { date: '2024-07-17' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(printer.launches).toBe(2);
  }, 60_000);

  it('that froze mid-print is killed, and the next letter is printed by a new browser', async () => {
    const { printer, browser } = await printerWithItsBrowser(2000);

    // Playwright starts the browser in a process group of its own: freeze all of it (the browser, its renderer, its helpers).
    process.kill(-browser, 'SIGSTOP');
    await expect(printer.print(LETTER, { date: '2024-07-17' })).rejects.toThrow(PdfPrintError);
    await expect.poll(() => liveProcessesInGroup(browser), { timeout: 10_000 }).toBe(0);

    const pdf = await printer.print(LETTER, { date: '2024-07-17' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(printer.launches).toBe(2);
  }, 60_000);
});
