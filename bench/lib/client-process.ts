/**
 * One measured client, in a fresh child process (like a real worker), so no
 * figure inherits another's heap or JIT state. The parent passes a ClientTask
 * as JSON in argv[2] and gets one ClientResult back over IPC. Everything
 * before `startedAt` (loading, rendering, connecting) is untimed; the parent
 * stops the clock when the sink has counted every message.
 */
import { Queue, Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import type { OutgoingMessage } from '../../src/send/mail-provider.js';
import { buildMessages } from './messages.js';
import { blast, prepareForData } from './raw-smtp.js';

export type ClientTask =
  | {
      mode: 'nodemailer';
      smtpUrl: string;
      dataDir: string;
      poolSize: number;
      /** 'explicit': nodemailer told the pipeline's text encoding (quoted-printable); 'detect': nodemailer choosing per part. */
      encoding: 'explicit' | 'detect';
      /** Messages handed to the transport at once; default 2 x poolSize. */
      inFlight?: number;
      /** Send the data set's messages this many times over (a long run without holding more letters); default 1. */
      repeat?: number;
    }
  | { mode: 'raw'; smtpUrl: string; dataDir: string; poolSize: number; messages: number; distinct: number }
  | { mode: 'sink-ceiling'; smtpUrl: string; dataDir: string; connections: number; messages: number; distinct: number }
  | { mode: 'bullmq'; redisUrl: string; prefix: string; jobs: number; concurrency: number };

export interface ClientResult {
  /** Messages (or jobs) the timed part handled. */
  count: number;
  /** Date.now() when the timed part began. */
  startedAt: number;
  /** The client's own view of the end (last reply or job), Date.now(). */
  endedAt: number;
  /** CPU the client used in the timed part, ms (user + system). */
  cpuMs: number;
  failures: number;
  /** Average size of a message on the wire, bytes. */
  messageBytes?: number;
}

async function nodemailerPooled(task: Extract<ClientTask, { mode: 'nodemailer' }>): Promise<ClientResult> {
  const messages = await buildMessages(task.dataDir);
  const transport = nodemailer.createTransport({ pool: true, url: task.smtpUrl, maxConnections: task.poolSize, maxMessages: 1000 });
  const send = async (m: OutgoingMessage) => {
    try {
      await transport.sendMail({
        from: m.from,
        to: m.to,
        replyTo: m.replyTo,
        subject: m.subject,
        html: m.html,
        text: m.text,
        messageId: m.messageId,
        headers: m.headers,
        // The setting the pipeline uses: nodemailer need not scan each part to choose an encoding.
        ...(task.encoding === 'explicit' ? { textEncoding: 'quoted-printable' as const } : {}),
      });
      return { status: 'sent' as const };
    } catch {
      return { status: 'failed' as const };
    }
  };
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  process.send?.({ type: 'started', startedAt });
  let failures = 0;
  let next = 0;
  const lanes = task.inFlight ?? task.poolSize * 2;
  const total = messages.length * (task.repeat ?? 1);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) {
        const outcome = await send(messages[next++ % messages.length]!);
        if (outcome.status !== 'sent') failures++;
      }
    }),
  );
  const endedAt = Date.now();
  const used = process.cpuUsage(cpu);
  transport.close();
  return { count: total, startedAt, endedAt, cpuMs: (used.user + used.system) / 1000, failures };
}

/** The same letters built into MIME once by nodemailer itself, for `raw` and the sink ceiling. */
async function prebuilt(dataDir: string, distinct: number): Promise<{ raw: Buffer[]; envelopes: { from: string; to: string }[] }> {
  const messages = await buildMessages(dataDir, Math.ceil(distinct / 2));
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const raw: Buffer[] = [];
  const envelopes: { from: string; to: string }[] = [];
  for (const m of messages.slice(0, distinct)) {
    const info = await builder.sendMail({
      from: m.from,
      to: m.to,
      replyTo: m.replyTo,
      subject: m.subject,
      html: m.html,
      text: m.text,
      messageId: m.messageId,
      headers: m.headers,
      textEncoding: 'quoted-printable',
    });
    raw.push(info.message as Buffer);
    envelopes.push({ from: m.from.address, to: m.to.address });
  }
  return { raw, envelopes };
}

async function rawPooled(task: Extract<ClientTask, { mode: 'raw' }>): Promise<ClientResult> {
  const { raw, envelopes } = await prebuilt(task.dataDir, task.distinct);
  const transport = nodemailer.createTransport({ pool: true, url: task.smtpUrl, maxConnections: task.poolSize, maxMessages: 1000 });
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  process.send?.({ type: 'started', startedAt });
  let failures = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: task.poolSize * 2 }, async () => {
      while (next < task.messages) {
        const i = next++;
        try {
          await transport.sendMail({ envelope: envelopes[i % raw.length]!, raw: raw[i % raw.length]! });
        } catch {
          failures++;
        }
      }
    }),
  );
  const endedAt = Date.now();
  const used = process.cpuUsage(cpu);
  transport.close();
  const messageBytes = Math.round(raw.reduce((n, b) => n + b.length, 0) / raw.length);
  return { count: task.messages, startedAt, endedAt, cpuMs: (used.user + used.system) / 1000, failures, messageBytes };
}

async function sinkCeiling(task: Extract<ClientTask, { mode: 'sink-ceiling' }>): Promise<ClientResult> {
  const { raw } = await prebuilt(task.dataDir, task.distinct);
  const prepared = raw.map(prepareForData);
  const cpu = process.cpuUsage();
  const { startedAt } = await blast(task.smtpUrl, prepared, task.messages, task.connections, (at) =>
    process.send?.({ type: 'started', startedAt: at }),
  );
  const endedAt = Date.now();
  const used = process.cpuUsage(cpu);
  return { count: task.messages, startedAt, endedAt, cpuMs: (used.user + used.system) / 1000, failures: 0 };
}

async function bullmqTrivial(task: Extract<ClientTask, { mode: 'bullmq' }>): Promise<ClientResult> {
  const connection = { url: task.redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue('trivial', { connection, prefix: task.prefix });
  for (let i = 0; i < task.jobs; i += 5000) {
    const n = Math.min(5000, task.jobs - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
  let done = 0;
  let startedAt = 0;
  let cpu = process.cpuUsage();
  const worker = new Worker('trivial', async () => undefined, {
    connection,
    prefix: task.prefix,
    concurrency: task.concurrency,
    autorun: false,
  });
  const finished = new Promise<number>((resolve) => {
    worker.on('completed', () => {
      if (++done === task.jobs) resolve(Date.now());
    });
  });
  await worker.waitUntilReady();
  cpu = process.cpuUsage();
  startedAt = Date.now();
  void worker.run();
  const endedAt = await finished;
  const used = process.cpuUsage(cpu);
  await worker.close();
  await queue.close();
  return { count: task.jobs, startedAt, endedAt, cpuMs: (used.user + used.system) / 1000, failures: 0 };
}

const task = JSON.parse(process.argv[2] ?? '{}') as ClientTask;
const run = { nodemailer: nodemailerPooled, raw: rawPooled, 'sink-ceiling': sinkCeiling, bullmq: bullmqTrivial }[task.mode] as (
  t: ClientTask,
) => Promise<ClientResult>;
run(task).then(
  (result) => {
    process.send?.({ type: 'result', result }, () => process.exit(0));
  },
  (error: unknown) => {
    process.send?.({ type: 'error', message: error instanceof Error ? error.stack : String(error) }, () => process.exit(1));
  },
);
