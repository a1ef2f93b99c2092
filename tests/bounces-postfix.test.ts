/**
 * Bounces from an MTA no one here wrote: the worker sends through a private
 * Postfix (Debian's package), which delivers most letters to an in-process
 * SMTP server, cannot deliver the chosen ones (its `error` transport, 5.1.1),
 * and sends its own DSNs to each letter's VERP envelope sender, relayed to
 * the `bounces` listener. Auto-replies go the same way, from the recipients'
 * side. Then one bounced recipient is readdressed and gets the letter once.
 *
 * The data is the bundled sample: 400 authorities, some 1,300 letters, sent
 * as email bodies (`letterAs: "body"`): printing 1,300 PDFs would take
 * minutes on a shared machine and is not what this test is about.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readdressCommand } from '../src/cli/commands/readdress.js';
import { runCommand } from '../src/cli/commands/run.js';
import { loadDataSet } from '../src/data/load-data-set.js';
import { recipientsOf } from '../src/domain/index.js';
import { SAMPLE_DATA_DIR } from '../src/paths.js';
import { type BouncesProcess, startBouncesProcess } from '../workers/bounces-process.js';
import { approve } from './support/approve.js';
import { BOUNCE_SECRET } from './support/bounces.js';
import { type Harness, quietPrint, startHarness } from './support/harness.js';
import { hasPostfix, PrivatePostfix } from './support/private-postfix.js';

const CAMPAIGN = '2023-24';
const UNDELIVERABLE = 20;
const AUTO_REPLIERS = 10;

let harness: Harness | undefined;
let postfix: PrivatePostfix | undefined;
let bounces: BouncesProcess | undefined;

afterEach(async () => {
  await bounces?.close();
  await postfix?.stop();
  await harness?.close();
  bounces = postfix = harness = undefined;
});

/** A logger whose lines the test can read: which bounces the listener classified how. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { log: pino({ level: 'info' }, stream), events: (name: string) => lines.filter((l) => l.event === name) };
}

describe.skipIf(!hasPostfix())('bounces from a real Postfix', () => {
  it(`marks exactly the undeliverable letters bounced with Postfix's diagnostic, leaves auto-repliers and the rest sent, and a readdressed letter arrives once`, async () => {
    postfix = new PrivatePostfix();
    const postfixPort = await postfix.reservePort();
    // The councils' server: it refuses these mailboxes after Postfix has already said 250 to us.
    const unknownMailboxes = new Set<string>();
    harness = await startHarness('bounces-postfix', {
      sink: {
        onRecipient: (address) =>
          unknownMailboxes.has(address.toLowerCase()) ? { code: 550, message: `5.1.1 <${address}>: mailbox unavailable` } : null,
      },
      env: {
        SMTP_URL: `smtp://127.0.0.1:${postfixPort}`,
        BOUNCE_ADDRESS: 'bounces@ombudsman.example',
        BOUNCE_SECRET,
        BOUNCE_LISTEN: '127.0.0.1:0',
        WORKER_CONCURRENCY: '8',
      },
    });
    const data = join(harness.dir, 'data');
    await cp(SAMPLE_DATA_DIR, data, { recursive: true });
    const campaign = JSON.parse(await readFile(join(data, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(data, 'campaign.json'), JSON.stringify({ ...campaign, letterAs: 'body' }, null, 2));
    const { dataSet } = await loadDataSet(data);
    const deliveries = dataSet!.authorities.flatMap((a) =>
      recipientsOf(a).map((r) => ({ authorityId: a.id, recipient: r.key, email: r.email })),
    );
    // Spread over the data set: every k-th letter cannot be delivered; the ones after some of those answer automatically.
    const step = Math.floor(deliveries.length / UNDELIVERABLE);
    const undeliverable = deliveries.filter((_, i) => i % step === 0).slice(0, UNDELIVERABLE);
    const autoRepliers = deliveries.filter((_, i) => i % step === 1).slice(0, AUTO_REPLIERS);
    for (const d of undeliverable) unknownMailboxes.add(d.email.toLowerCase());
    const key = (d: { authorityId: string; recipient: string }) => `${d.authorityId}/${d.recipient}`;

    const captured = capturedLog();
    bounces = await startBouncesProcess(harness.config, { log: captured.log, echoDeliveries: false });
    await postfix.start([
      ['ombudsman.example', `smtp:[127.0.0.1]:${bounces.port}`],
      ['*', `smtp:[127.0.0.1]:${new URL(harness.sink.url).port}`],
    ]);

    await harness.startWorker();
    await approve(harness.config, data);
    await runCommand({ data, wait: false }, harness.config, quietPrint);
    await harness.waitIdle(dataSet!.authorities.length, CAMPAIGN);
    await postfix.waitForEmptyQueue(60_000);

    // The auto-repliers' mail systems answer each letter's Return-Path, through the same MTA.
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: postfixPort, secure: false, ignoreTLS: true });
    for (const d of autoRepliers) {
      const letter = harness.sink.received.find((m) => m.letter === `${CAMPAIGN}/${key(d)}`)!;
      await smtp.sendMail({
        envelope: { from: d.email, to: letter.envelopeFrom },
        from: d.email,
        to: letter.envelopeFrom,
        subject: 'Automatic reply: Annual Review letter',
        inReplyTo: letter.messageId,
        headers: { 'Auto-Submitted': 'auto-replied' },
        text: 'I am out of the office until next week with limited access to email.',
      });
    }
    smtp.close();
    await postfix.waitForEmptyQueue(30_000);

    const ledger = harness.producer.ledger(CAMPAIGN);
    const bouncedKeys: string[] = [];
    for await (const record of ledger.records()) {
      if (record.status === 'bounced') {
        bouncedKeys.push(key(record));
        expect(record.diagnostic).toBe(`smtp; 550 5.1.1 <${record.email}>: mailbox unavailable`);
      } else {
        expect(record.status, `${key(record)}: ${record.response}`).toBe('sent');
      }
    }
    expect(bouncedKeys.sort()).toEqual(undeliverable.map(key).sort());
    expect(await ledger.counts()).toMatchObject({ bounced: UNDELIVERABLE, sent: deliveries.length - UNDELIVERABLE });
    expect(captured.events('bounce.auto-reply')).toHaveLength(AUTO_REPLIERS);
    expect(captured.events('bounce.unmatched')).toHaveLength(0);
    expect(harness.sink.received).toHaveLength(deliveries.length - UNDELIVERABLE);
    expect([...harness.sink.countsByMessageId().values()].every((n) => n === 1)).toBe(true);

    const corrected = undeliverable[0]!;
    const newEmail = `corrected.${corrected.recipient}@${corrected.authorityId}.example.org`;
    await readdressCommand(
      { campaign: CAMPAIGN, authority: corrected.authorityId, recipient: corrected.recipient, email: newEmail, by: 'j.smith' },
      harness.config,
      quietPrint,
    );
    await harness.waitIdle(dataSet!.authorities.length, CAMPAIGN);
    await postfix.waitForEmptyQueue(30_000);

    const messageId = `<${CAMPAIGN}.${corrected.authorityId}.${corrected.recipient}.r1@example.org>`;
    const resent = harness.sink.received.filter((m) => m.messageId === messageId);
    expect(resent.map((m) => m.envelopeTo)).toEqual([[newEmail]]);
    expect(await ledger.get(corrected.authorityId, corrected.recipient)).toMatchObject({ status: 'sent', email: newEmail, messageId });
    expect(harness.sink.received).toHaveLength(deliveries.length - UNDELIVERABLE + 1);
  }, 180_000);
});
