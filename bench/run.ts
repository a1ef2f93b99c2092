/**
 * `npm run bench`: every figure as a ratio measured in the same run, one line
 * each on stdout, and the same as JSON in bench/results/<date>.json.
 *
 *   npm run bench                     the default run (see --help for sizes)
 *   npm run bench -- --quick          smaller sizes, a few minutes
 *   npm run bench -- --full           scale with 100,000 authorities
 *   npm run bench -- --only e2e --profile
 *   npm run bench -- --sweep          worker concurrency x SMTP pool size
 *   npm run bench -- --only pdf,e2e-pdf,pdf-memory   the letter as a PDF
 *
 * Progress goes to stderr. Exit status 1 when a figure could not be measured
 * honestly (letters differ between render paths, a letter lost or sent
 * twice); a figure below its target is reported, not an error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ceilingsFigure } from './ceilings.js';
import { coldStartFigure } from './cold-start.js';
import { e2eFigure } from './e2e.js';
import { e2ePdfFigure } from './e2e-pdf.js';
import { startSink } from './lib/children.js';
import { openEnvironment } from './lib/environment.js';
import { runPipeline } from './lib/pipeline.js';
import { type FigureResult, fmt, machineInfo } from './lib/report.js';
import { pdfFigure } from './pdf.js';
import { pdfMemoryFigure } from './pdf-memory.js';
import { publicDoorsFigure } from './public-doors.js';
import { renderFigure } from './render.js';
import { replicaAckFigure } from './replica-ack.js';
import { scaleFigure } from './scale.js';

const FIGURES = [
  'render',
  'ceilings',
  'e2e',
  'replica-ack',
  'scale',
  'cold-start',
  'pdf',
  'e2e-pdf',
  'pdf-memory',
  'public-doors',
] as const;
type Figure = (typeof FIGURES)[number];

const HELP = `usage: npm run bench -- [options]
  --quick              smaller sizes: e2e 1 round, scale 10,000 authorities throughout
  --full               scale delivers all 100,000 authorities (about 300,000 letters; ~20 min)
                       (default: 100,000 validated and fanned out, 10,000 delivered)
  --only <list>        comma-separated: ${FIGURES.join(', ')}
  --scale <n>          authorities validated and fanned out in the scale figure
  --scale-deliver <n>  authorities delivered in the scale figure
  --e2e <n>            authorities for the e2e and ceilings figures (default 1000)
  --rounds <n>         e2e rounds (both baselines + pipeline each), and rounds of
                       the 100,000-authority validation and fan-out (default 3, quick 1)
  --concurrency <n>    worker concurrency (default: WORKER_CONCURRENCY's default)
  --pool <n>           SMTP pool size (default: SMTP_POOL_SIZE's default)
  --pdf-letters <n>    authorities' PDFs timed in the pdf figure (default 30, quick 10)
  --e2e-pdf <n>        authorities delivered with and without PDFs in the e2e-pdf figure (default 100, quick 40)
  --pdf-deliver <n>    authorities delivered with PDFs in the pdf-memory figure (default 10000, quick 300)
  --profile            also print the e2e profiles' busiest functions and packages (the e2e figure
                       always profiles one extra round of each side to print its CPU by stage)
  --sweep <c,..:p,..>  e2e pipeline at each concurrency x pool size, e.g. 4,8,16:5,10 (no other figure)
  --redis-url <url>    use this Redis with a unique key prefix instead of a private redis-server
  --no-write           do not write bench/results/<date>.json`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      scale: { type: 'string' },
      'scale-deliver': { type: 'string' },
      e2e: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      pool: { type: 'string' },
      'pdf-letters': { type: 'string' },
      'e2e-pdf': { type: 'string' },
      'pdf-deliver': { type: 'string' },
      profile: { type: 'boolean', default: false },
      sweep: { type: 'string' },
      'redis-url': { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const defaults = loadConfig({});
  const int = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number.parseInt(value, 10));
  const only = new Set<Figure>((values.only ?? FIGURES.join(',')).split(',').map((f) => f.trim()) as Figure[]);
  for (const f of only) if (!FIGURES.includes(f)) throw new Error(`unknown figure ${f}; known: ${FIGURES.join(', ')}`);
  const quick = values.quick;
  const settings = {
    mode: values.full ? 'full' : quick ? 'quick' : 'default',
    e2eAuthorities: int(values.e2e, 1000),
    scaleAuthorities: int(values.scale, quick ? 10_000 : 100_000),
    scaleDeliverAuthorities: int(values['scale-deliver'], values.full ? int(values.scale, 100_000) : 10_000),
    rounds: int(values.rounds, quick ? 1 : 3),
    concurrency: int(values.concurrency, defaults.WORKER_CONCURRENCY),
    poolSize: int(values.pool, defaults.SMTP_POOL_SIZE),
    referenceLetters: quick ? 30 : 100,
    fastMs: quick ? 500 : 2000,
    coldStartRuns: quick ? 3 : 5,
    pdfLetters: int(values['pdf-letters'], quick ? 10 : 30),
    pdfWarmup: 3,
    e2ePdfAuthorities: int(values['e2e-pdf'], quick ? 40 : 100),
    pdfDeliverAuthorities: int(values['pdf-deliver'], quick ? 300 : 10_000),
    doorRestarts: quick ? 1 : 3,
    doorWithdrawals: quick ? 20 : 100,
    doorRegistrations: quick ? 2_000 : 20_000,
    profile: values.profile,
  };

  const env = await openEnvironment({ redisUrl: values['redis-url'] });
  const sink = await startSink();
  const machine = machineInfo(env.redisVersion);
  const note = (s: string) => process.stderr.write(`bench: ${s}\n`);
  note(
    `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, ${env.redisDescription}, sink pid ${sink.pid}; ` +
      `concurrency ${settings.concurrency}, pool ${settings.poolSize}; load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  const results: FigureResult[] = [];
  const started = Date.now();
  const report = (r: FigureResult) => {
    results.push(r);
    for (const line of r.lines) console.log(line);
    if (r.fatal) console.log(`bench ${r.figure}: FAILED: ${r.fatal}`);
  };

  try {
    if (values.sweep) {
      await sweep(values.sweep, env, sink, settings.e2eAuthorities, report);
    } else {
      const e2eData =
        only.has('ceilings') || only.has('e2e') || only.has('replica-ack') || only.has('scale')
          ? await env.dataSet(settings.e2eAuthorities)
          : undefined;
      if (only.has('render')) {
        note('render: mjml2html vs precompiled on the sample data');
        report(await renderFigure({ referenceLetters: settings.referenceLetters, fastMs: settings.fastMs }));
      }
      if (only.has('ceilings')) {
        note(`ceilings: nodemailer, raw, sink and BullMQ alone (${settings.e2eAuthorities} authorities' letters)`);
        report(
          await ceilingsFigure({
            env,
            sink,
            dataDir: e2eData!.dir,
            poolSize: settings.poolSize,
            rawMessages: quick ? 1500 : 3000,
            sinkMessages: quick ? 3000 : 8000,
            sinkConnections: 16,
            bullmqJobs: quick ? 10_000 : 30_000,
            bullmqConcurrency: 50,
          }),
        );
      }
      let e2eRate: number | undefined;
      if (only.has('e2e')) {
        note(`e2e: pipeline vs nodemailer alone, ${settings.rounds} round(s) + 1 profiled`);
        const e2e = await e2eFigure({
          env,
          sink,
          dataDir: e2eData!.dir,
          rounds: settings.rounds,
          concurrency: settings.concurrency,
          poolSize: settings.poolSize,
          profile: settings.profile,
          profileDir: join(PACKAGE_ROOT, 'bench', 'results', 'profiles'),
        });
        report(e2e);
        e2eRate = e2e.pipelineLettersPerSecond;
        if (typeof e2e.data.profileText === 'string') process.stderr.write(`${e2e.data.profileText}\n`);
      }
      if (only.has('replica-ack')) {
        note(`replica-ack: e2e on a primary with a replica, claims and outcomes waiting for it vs not, ${settings.rounds} round(s)`);
        report(
          await replicaAckFigure({
            env,
            sink,
            dataDir: e2eData!.dir,
            rounds: settings.rounds,
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
          }),
        );
      }
      if (only.has('scale')) {
        if (e2eRate === undefined) {
          note(`scale needs this run's ${settings.e2eAuthorities}-authority pipeline rate; measuring it`);
          const p = await runPipeline({
            env,
            sink,
            dataDir: e2eData!.dir,
            name: 'scale-reference',
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
          });
          e2eRate = p.lettersPerSecond;
        }
        note(
          `scale: ${settings.scaleAuthorities.toLocaleString('en-GB')} authorities validated and fanned out, ` +
            `${Math.min(settings.scaleDeliverAuthorities, settings.scaleAuthorities).toLocaleString('en-GB')} delivered (minutes)`,
        );
        report(
          await scaleFigure({
            env,
            sink,
            authorities: settings.scaleAuthorities,
            deliverAuthorities: Math.min(settings.scaleDeliverAuthorities, settings.scaleAuthorities),
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
            e2eLettersPerSecond: e2eRate,
            e2eAuthorities: settings.e2eAuthorities,
            rounds: settings.rounds,
            progress: true,
          }),
        );
      }
      if (only.has('cold-start')) {
        note('cold start: worker spawn to ready vs node -e 0');
        report(
          await coldStartFigure({
            env,
            sink,
            runs: settings.coldStartRuns,
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
          }),
        );
      }
      if (only.has('pdf')) {
        note(`pdf: ${settings.pdfLetters} authorities' letters printed by the PdfPrinter vs rendered`);
        report(await pdfFigure({ letters: settings.pdfLetters, warmup: settings.pdfWarmup }));
      }
      if (only.has('e2e-pdf')) {
        note(`e2e-pdf: ${settings.e2ePdfAuthorities} authorities with PDFs (letterAs both) vs without (body), ${settings.rounds} round(s)`);
        report(
          await e2ePdfFigure({
            env,
            sink,
            authorities: settings.e2ePdfAuthorities,
            rounds: settings.rounds,
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
          }),
        );
      }
      if (only.has('public-doors')) {
        note(
          `public-doors: Redis restarted under the console and the register server, withdrawal timing, a confirmation burst, ` +
            `the console's page at ${settings.doorRegistrations.toLocaleString('en-GB')} registrations`,
        );
        report(
          await publicDoorsFigure({
            sink,
            dataDir: (await env.dataSet(20)).dir,
            restarts: settings.doorRestarts,
            withdrawals: settings.doorWithdrawals,
            registrations: settings.doorRegistrations,
          }),
        );
      }
      if (only.has('pdf-memory')) {
        note(`pdf-memory: ${settings.pdfDeliverAuthorities.toLocaleString('en-GB')} authorities delivered with PDFs (minutes)`);
        report(
          await pdfMemoryFigure({
            env,
            sink,
            authorities: settings.pdfDeliverAuthorities,
            concurrency: settings.concurrency,
            poolSize: settings.poolSize,
            browserLetters: defaults.PDF_BROWSER_LETTERS,
            progress: true,
          }),
        );
      }
    }
  } finally {
    await sink.stop();
    await env.close();
  }

  const below = results.filter((r) => r.pass === false).map((r) => r.figure);
  const fatal = results.filter((r) => r.fatal);
  const elapsedS = (Date.now() - started) / 1000;
  console.log(
    `bench: ${fatal.length > 0 ? `FAILED (${fatal.map((r) => r.figure).join(', ')}); ` : ''}` +
      `${below.length === 0 ? 'every target met' : `below target: ${below.join(', ')}`} in ${fmt(elapsedS / 60)} min`,
  );
  if (!values['no-write']) {
    const date = new Date(started)
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z');
    const dir = join(PACKAGE_ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${date}.json`);
    const json = {
      date: new Date(started).toISOString(),
      elapsedSeconds: elapsedS,
      machine: { ...machine, loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100) },
      redis: env.redisDescription,
      settings,
      lines: results.flatMap((r) => r.lines),
      figures: Object.fromEntries(results.map((r) => [r.figure, { pass: r.pass, fatal: r.fatal, ...r.data }])),
    };
    await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
    note(`wrote ${file}`);
  }
  return fatal.length > 0 ? 1 : 0;
}

/** The e2e pipeline at each concurrency x pool size: how the defaults were chosen. */
async function sweep(
  spec: string,
  env: Awaited<ReturnType<typeof openEnvironment>>,
  sink: Awaited<ReturnType<typeof startSink>>,
  authorities: number,
  report: (r: FigureResult) => void,
): Promise<void> {
  const [c, p] = spec.split(':');
  const list = (s: string | undefined, fallback: number[]) => (s ? s.split(',').map(Number) : fallback);
  const data = await env.dataSet(authorities);
  const rows: Record<string, number>[] = [];
  for (const poolSize of list(p, [5])) {
    for (const concurrency of list(c, [4])) {
      const r = await runPipeline({ env, sink, dataDir: data.dir, name: `sweep-c${concurrency}-p${poolSize}`, concurrency, poolSize });
      rows.push({ concurrency, poolSize, lettersPerSecond: r.lettersPerSecond, peakRssMb: r.workerPeakRssMb });
      const line = `bench sweep: concurrency ${concurrency}, pool ${poolSize}: ${fmt(r.lettersPerSecond)} letters/s, worker peak RSS ${Math.round(r.workerPeakRssMb)} MB`;
      console.log(line);
    }
  }
  // Lines were printed as they came; the JSON gets the table.
  report({ figure: 'sweep', lines: [], data: { authorities, rows } });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
