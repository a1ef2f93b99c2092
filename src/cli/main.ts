#!/usr/bin/env node
/**
 * annual-review-mailer: the command line. Parsing is commander's; each
 * command's work lives in ./commands, one file each.
 */
import { Command, Option } from 'commander';
import { type Config, loadConfig } from '../config.js';
import { CliError, ConfigError, isOperatorError } from '../domain/index.js';
import { redactText } from '../logger.js';
import { endQuietlyWhenReaderCloses, exitWhenFlushed } from './exit.js';
import { consolePrint } from './print.js';

// Each command's module is imported when it runs: a worker never loads MJML
// or the UI, and `--help` loads nothing.
const commands = {
  approve: () => import('./commands/approve.js'),
  bounces: () => import('./commands/bounces.js'),
  cancel: () => import('./commands/cancel.js'),
  demo: () => import('./commands/demo.js'),
  dkimRecord: () => import('./commands/dkim-record.js'),
  evidence: () => import('./commands/evidence.js'),
  evidenceKey: () => import('./commands/evidence-key.js'),
  preview: () => import('./commands/preview.js'),
  publish: () => import('./commands/publish.js'),
  readdress: () => import('./commands/readdress.js'),
  render: () => import('./commands/render.js'),
  report: () => import('./commands/report.js'),
  resend: () => import('./commands/resend.js'),
  retry: () => import('./commands/retry.js'),
  run: () => import('./commands/run.js'),
  schedule: () => import('./commands/schedule.js'),
  validate: () => import('./commands/validate.js'),
  verify: () => import('./commands/verify.js'),
  worker: () => import('./commands/worker.js'),
  ui: () => import('./commands/ui.js'),
  registerServer: () => import('./commands/register-server.js'),
  registrations: () => import('./commands/registrations.js'),
};

let config: Config | undefined;
/** Parsed on first use, so `validate` and `render` run without any environment. */
const env = (): Config => (config ??= loadConfig());

const program = new Command('annual-review-mailer')
  .description("Renders and emails the Ombudsman's Annual Review letters, exactly once per recipient.")
  .option('--verbose', 'on an error, print its stack trace too')
  .showHelpAfterError();

program
  .command('validate')
  .description('check a data directory; print every problem as file:line: field: reason')
  .requiredOption('--data <dir>', 'campaign folder (campaign.json, templates/, authorities.csv, monitoring-officers.csv, contacts.csv)')
  .action(async (o: { data: string }) => (await commands.validate()).validateCommand(o, consolePrint));

program
  .command('render')
  .description('print one rendered letter')
  .requiredOption('--data <dir>', 'data directory')
  .requiredOption('--authority <id>', 'authority id')
  .option('--recipient <key>', 'ceo, head, mo-N or <role>-N', 'ceo')
  .addOption(new Option('--format <format>', 'output format').choices(['html', 'text']).default('text'))
  .action(async (o: { data: string; authority: string; recipient: string; format: 'html' | 'text' }) =>
    (await commands.render()).renderCommand(o, consolePrint),
  );

program
  .command('preview')
  .description('render every letter for every recipient into an HTML gallery to proof before the run')
  .requiredOption('--data <dir>', 'data directory')
  .option('--out <dir>', 'where to write the gallery', 'preview')
  .option('--no-pdf', "leave out each authority's letter on paper (its PDF and page images)")
  .action(async (o: { data: string; out: string; pdf: boolean }) => (await commands.preview()).previewCommand(o, env(), consolePrint));

program
  .command('publish')
  .description("the publication set: every authority's letter as <authority-id>.pdf and index.csv; only an approved, unchanged campaign")
  .requiredOption('--data <dir>', 'data directory')
  .requiredOption('--out <dir>', 'where to write the PDFs and index.csv')
  .action(async (o: { data: string; out: string }) => {
    await (await commands.publish()).publishCommand(o, env(), consolePrint);
  });

program
  .command('approve')
  .description('record who approved the campaign and the sha256 of the data files and templates previewed; only those are sent')
  .requiredOption('--data <dir>', 'data directory')
  .option('--by <name>', 'who approves (default: your user name)')
  .option('--skip-invalid', 'approve although some authorities have problems, for `run --skip-invalid`')
  .action(async (o: { data: string; by?: string; skipInvalid?: boolean }) => {
    await (await commands.approve()).approveCommand(o, env(), consolePrint);
  });

program
  .command('run')
  .description('enqueue the campaign now (one job per authority) and follow it until every letter job has finished')
  .requiredOption('--data <dir>', 'data directory')
  .option('--skip-invalid', 'send to the valid authorities and list the ones skipped, instead of refusing')
  .option('--no-wait', 'enqueue and return without following progress')
  .option('--test-to <address>', 'test run: every letter goes to this one inbox instead, marked [TEST] (or set TEST_RECIPIENT)')
  .option('--dry-run', 'print every authority,recipient,role,address the run would send, as CSV; enqueue nothing')
  .option('--sample <n>', 'with --test-to: only N authorities that between them show every kind and every statistics case', (v) =>
    Number(v),
  )
  .option('--by <name>', 'who runs it, for the delivery log (default: your user name)')
  .action(
    async (o: { data: string; skipInvalid?: boolean; wait: boolean; testTo?: string; dryRun?: boolean; sample?: number; by?: string }) => {
      const stopWatching = new AbortController();
      process.once('SIGINT', () => stopWatching.abort());
      await (await commands.run()).runCommand({ ...o, signal: stopWatching.signal }, env(), consolePrint);
    },
  );

program
  .command('worker')
  .description('consume the letters queue until SIGINT or SIGTERM (needs SMTP_URL)')
  .action(async () => (await commands.worker()).workerCommand(env()));

program
  .command('bounces')
  .description(
    'receive bounces over SMTP on BOUNCE_LISTEN and/or from the BOUNCE_IMAP_URL mailbox and mark bounced letters in the ledger, until SIGINT or SIGTERM',
  )
  .action(async () => (await commands.bounces()).bouncesCommand(env()));

program
  .command('schedule')
  .description(
    'store the campaign and upsert its annual Job Scheduler (Europe/London); each campaign has its own. Alone: list every scheduled campaign',
  )
  .option('--data <dir>', 'data directory: store and schedule this campaign')
  .option('--cron <expr>', "cron pattern; default the campaign's letterDate at its sendTime")
  .option('--remove', "remove a campaign's schedule (with --campaign)")
  .option('--campaign <id>', 'with --remove: the campaign whose schedule to remove')
  .option('--by <name>', 'who schedules or removes it, for the delivery log (default: your user name)')
  .action(async (o: { data?: string; cron?: string; remove?: boolean; campaign?: string; by?: string }) => {
    const schedule = await commands.schedule();
    if (o.remove) {
      if (!o.campaign) throw new CliError('schedule --remove needs --campaign ID', 1);
      await schedule.unscheduleCommand({ campaign: o.campaign, by: o.by }, env(), consolePrint);
      return;
    }
    if (o.campaign) throw new CliError('--campaign goes with --remove; to schedule a campaign, give its folder with --data DIR', 1);
    if (!o.data) {
      await schedule.listSchedulesCommand(env(), consolePrint);
      return;
    }
    await schedule.scheduleCommand({ data: o.data, cron: o.cron, by: o.by }, env(), consolePrint);
  });

program
  .command('report')
  .description('one row per delivery from the ledger')
  .requiredOption('--campaign <id>', 'campaign id, e.g. 2023-24')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
  .option('--gaps <file>', 'also write every delivery not yet sent (what is still owed) to this file')
  .option(
    '--manifest <file>',
    "also write a record of the files: campaign, approval (who, when, sha256), counts by status, the report's sha256",
  )
  .option('--unverified <file>', 'also write the bounces that named a delivery without a valid VERP token (they changed nothing)')
  .action(async (o: { campaign: string; format: 'csv' | 'json'; gaps?: string; manifest?: string; unverified?: string }) => {
    await (await commands.report()).reportCommand(o, env(), consolePrint);
  });

program
  .command('dkim-record')
  .description('print the DNS TXT record to publish for DKIM_SELECTOR and DKIM_DOMAIN, from DKIM_PRIVATE_KEY_FILE')
  .action(async () => {
    (await commands.dkimRecord()).dkimRecordCommand(env(), consolePrint);
  });

program
  .command('evidence')
  .description(
    'a signed pack of what was sent: every kept message, the campaign folder as approved, the approvals, the report, a hash-chained manifest',
  )
  .option('--campaign <id>', 'campaign id, e.g. 2023-24')
  .option('--data <dir>', 'the campaign folder exactly as approved (each file is checked against the approval)')
  .option('--out <dir>', 'a new folder for the pack')
  .option('--authority <id>', "an information request: only this authority's letters and data")
  .option('--prune', 'instead: remove the kept messages of every campaign whose retention (campaign.json retentionYears) has passed')
  .option('--by <name>', 'who makes the pack, for the delivery log (default: your user name)')
  .action(async (o: { campaign?: string; data?: string; out?: string; authority?: string; prune?: boolean; by?: string }) => {
    const evidence = await commands.evidence();
    if (o.prune) {
      if (o.campaign || o.data || o.out || o.authority) throw new CliError('--prune goes alone (with --by): it looks at every campaign', 1);
      await evidence.pruneEvidenceCommand({ by: o.by }, env(), consolePrint);
      return;
    }
    if (!o.campaign || !o.data || !o.out) throw new CliError('evidence needs --campaign ID, --data DIR (as approved) and --out DIR', 1);
    await evidence.evidenceCommand(
      { campaign: o.campaign, data: o.data, out: o.out, authority: o.authority, by: o.by },
      env(),
      consolePrint,
    );
  });

program
  .command('evidence-key')
  .description('print the public key of EVIDENCE_SIGNING_KEY_FILE (PEM), to give to whoever will `verify` a pack')
  .action(async () => {
    (await commands.evidenceKey()).evidenceKeyCommand(env(), consolePrint);
  });

program
  .command('verify <dir>')
  .description('check an evidence pack: its hash chain, its signature, every file, and every letter made again from the approved files')
  .requiredOption('--key <file>', 'the public key that signed it (PEM, from `evidence-key`)')
  .option('--pdf', "also print each letter's PDF again and compare it byte for byte (needs the workers' Chromium version)")
  .action(async (dir: string, o: { key: string; pdf?: boolean }) => {
    await (await commands.verify()).verifyCommand({ dir, key: o.key, pdf: o.pdf }, env(), consolePrint);
  });

program
  .command('readdress')
  .description('send a bounced or permanently failed letter again, to a corrected address (recorded: who, from what, to what, when)')
  .requiredOption('--campaign <id>', 'campaign id, e.g. 2023-24')
  .requiredOption('--authority <id>', 'authority id')
  .requiredOption('--recipient <key>', 'ceo, head, mo-N or <role>-N')
  .requiredOption('--email <address>', 'the corrected address')
  .requiredOption('--by <name>', 'who makes the change')
  .option('--reason <text>', "why: needed when the address is at none of the authority's domains; recorded with the change")
  .action(async (o: { campaign: string; authority: string; recipient: string; email: string; by: string; reason?: string }) => {
    await (await commands.readdress()).readdressCommand(o, env(), consolePrint);
  });

program
  .command('cancel')
  .description("stop a campaign's run: remove its letter jobs not yet started (other campaigns untouched); `run` again carries on")
  .requiredOption('--campaign <id>', 'campaign id, e.g. 2023-24 (a test run: 2023-24~test)')
  .option('--by <name>', 'who cancels it: recorded with the campaign and in the delivery log (default: your user name)')
  .action(async (o: { campaign: string; by?: string }) => {
    await (await commands.cancel()).cancelCommand(o, env(), consolePrint);
  });

program
  .command('resend')
  .description('send a delivered letter again (someone asked for it): a new delivery with its own Message-ID, recorded with who and why')
  .requiredOption('--campaign <id>', 'campaign id, e.g. 2023-24')
  .requiredOption('--authority <id>', 'authority id')
  .requiredOption('--recipient <key>', 'ceo, head, mo-N or <role>-N')
  .requiredOption('--by <name>', 'who asks: recorded with the delivery and in the delivery log')
  .requiredOption('--reason <text>', 'why: recorded with the delivery and in the delivery log')
  .action(async (o: { campaign: string; authority: string; recipient: string; by: string; reason: string }) => {
    await (await commands.resend()).resendCommand(o, env(), consolePrint);
  });

program
  .command('retry')
  .description('reset failed deliveries to queued and run their jobs again; says how many first, and asks')
  .requiredOption('--campaign <id>', 'campaign id, e.g. 2023-24')
  .addOption(
    new Option('--status <status>', 'only deliveries in this status (default: both failed statuses)').choices([
      'permanent-failure',
      'temporary-failure',
    ]),
  )
  .option('--authority <id>', "only this authority's deliveries")
  .option('--reply <text>', "only deliveries whose last SMTP reply contains this text, e.g. '5.1.1'")
  .requiredOption('--by <name>', 'who is retrying: recorded with each delivery and in the delivery log')
  .option('--yes', 'go ahead without asking (scripts)')
  .option('--no-wait', 'return once the jobs are queued, without following them to the end')
  .action(
    async (o: {
      campaign: string;
      status?: 'permanent-failure' | 'temporary-failure';
      authority?: string;
      reply?: string;
      by: string;
      yes?: boolean;
      wait: boolean;
    }) => {
      const stopFollowing = new AbortController();
      process.once('SIGINT', () => stopFollowing.abort());
      await (await commands.retry()).retryCommand({ ...o, signal: stopFollowing.signal }, env(), consolePrint);
    },
  );

program
  .command('demo')
  .description('the annual run on the bundled sample data, into ./outbox, with no mail server needed')
  .option('--data <dir>', 'data directory (default: the bundled sample)')
  .option('--outbox <dir>', 'where the SMTP sink writes letters', 'outbox')
  .action(async (o: { data?: string; outbox: string }) => {
    await (await commands.demo()).demoCommand(o, env(), consolePrint);
  });

program
  .command('ui')
  .description("the operators' console: campaign page and queue UI behind a login (UI_USERNAME, UI_PASSWORD)")
  .option('--demo', "show the demo's installation; on loopback without credentials, print a one-time password")
  .option('--campaign <id>', 'campaign shown first (default: the latest stored)')
  .option('--hash-password', 'read a password on stdin and print it as UI_PASSWORD_HASH, then exit')
  .action(async (o: { demo?: boolean; campaign?: string; hashPassword?: boolean }) => {
    await (await commands.ui()).uiCommand(o, o.hashPassword ? loadConfig({}) : env(), consolePrint);
  });

program
  .command('register-server')
  .description(
    'the public page where monitoring officers register for the letter (REGISTER_HOST:REGISTER_PORT, needs REGISTER_SECRET and SMTP_URL)',
  )
  .option('--data <dir>', 'offer the authorities of this data directory (default: those of the latest stored campaign)')
  .action(async (o: { data?: string }) => (await commands.registerServer()).registerServerCommand(o, env(), consolePrint));

const registrations = program.command('registrations').description("monitoring officers' registrations: list, approve, reject, export");
registrations
  .command('list')
  .description('every registration, with who confirmed and decided it and when')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
  .action(async (o: { format: 'csv' | 'json' }) => {
    await (await commands.registrations()).listRegistrationsCommand(o, env(), consolePrint);
  });
for (const [name, decision] of [
  ['approve', 'approved'],
  ['reject', 'rejected'],
] as const) {
  registrations
    .command(`${name} <id>`)
    .description(`${name} a confirmed registration`)
    .requiredOption('--by <name>', `who ${decision} it`)
    .option(
      '--reason <text>',
      name === 'approve'
        ? "why: needed when the address is at none of the authority's domains; recorded"
        : 'why: recorded with the decision',
    )
    .action(async (id: string, o: { by: string; reason?: string }) => {
      await (await commands.registrations()).decideRegistrationCommand(decision, { id, by: o.by, reason: o.reason }, env(), consolePrint);
    });
}
registrations
  .command('export')
  .description('merge approved (and withdrawn) registrations into DIR/monitoring-officers.csv')
  .requiredOption('--data <dir>', 'data directory')
  .action(async (o: { data: string }) => (await commands.registrations()).exportRegistrationsCommand(o, env(), consolePrint));

endQuietlyWhenReaderCloses();
try {
  await program.parseAsync();
  // Pooled sockets and timers must not keep a finished command alive; the output must all arrive first.
  await exitWhenFlushed(0);
} catch (error) {
  // Errors meant for the operator (bad data, a missing campaign, a refused action) print as they are,
  // with their stack only under --verbose; anything else is a bug and shows its stack.
  if (isOperatorError(error)) {
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    process.stderr.write(`error: ${redactText(verbose ? (error.stack ?? error.message) : error.message)}\n`);
    await exitWhenFlushed(error instanceof CliError ? error.exitCode : error instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`error: ${redactText(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  await exitWhenFlushed(1);
}
