/**
 * The fault-injection suite: proves "every registered recipient receives their
 * letter exactly once, and every failure is visible" against real worker
 * processes, a real Redis and a real (faulty) SMTP server.
 *
 *   npm run chaos [-- --authorities 1000 --kills 5 --seed 7 --workers 3 --rate 0 --failover --verbose]
 *
 * It generates a data set, starts a private redis-server (append-only, fsync
 * always) and an SMTP server that answers 4xx to a share of every command,
 * cuts connections mid-DATA and refuses a fixed set of addresses with 550,
 * then runs the campaign on several `annual-review-mailer worker` processes
 * while it
 *   - SIGKILLs a random worker at random points of the run (and starts a new one),
 *   - takes the relay down once (421 to everything) until the breaker opens,
 *   - restarts Redis once (SHUTDOWN, then a new server on the same files).
 * With --failover, Redis is a primary, a replica and three sentinels instead
 * (src/demo/redis-topology.ts), and the primary is SIGKILLed twice: once while
 * the replica lags (frozen with SIGSTOP for half a second first, so the
 * failover loses the primary's last writes), once after it caught up. The
 * killed server comes back as a replica of the new primary each time. When the
 * jobs have finished, a repairing `run` puts back what the failovers lost.
 * When every job has finished it counts, by Message-ID, what the SMTP server
 * received, checks the ledger and the jobs, and prints one line:
 *
 *   chaos: N deliveries expected, N delivered, 0 duplicates, 0 lost, P permanent failures (as injected), K worker kills, R redis restarts, W resent in the documented window
 *
 * "resent in the documented window" counts letters a killed worker had handed
 * to the relay (the relay stored it) but not yet recorded as sent: the one
 * window the ledger cannot close (README, "The one window"). Such a letter is
 * sent again, with the same Message-ID, and its ledger record names the dead
 * worker (`recovered`). A copy counts there only when the evidence says so:
 * exactly two copies; the record's recoveredFrom is a worker this run killed;
 * the first copy reached the relay before another worker took the claim over
 * (its `delivery.recovered` line), the second after. With failovers, a second
 * copy is also in the window when the first copy's worker logged
 * `delivery.outcome-unacknowledged` for it: its `sent` was on no replica when
 * the primary died (README, "Exactly once through a failover"). The first copy may land
 * a moment after the kill: the dead worker had written the final "." but the
 * relay had not read it yet. Any other second copy is a duplicate, and the
 * run fails. It exits 1 when a letter was lost or doubled,
 * a refused address was not the only kind of permanent failure, or a planned
 * kill or restart could not be made; 2 when it could not run at all.
 * Everything is on loopback, in a temporary directory, and bounded in time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { runCommand } from '../src/cli/commands/run.js';
import { loadValidData } from '../src/cli/load-valid-data.js';
import { loadConfig } from '../src/config.js';
import { hasRedisServer, PrivateRedis } from '../src/demo/private-redis.js';
import { MASTER_NAME, RedisTopology } from '../src/demo/redis-topology.js';
import { type ReceivedMessage, SmtpSink } from '../src/demo/smtp-sink.js';
import { type DeliveryRecord, letterMessageId, mailDomain, recipientsOf } from '../src/domain/index.js';
import { createRedis, type RedisTarget } from '../src/redis.js';
import { LETTERS_QUEUE, letterJobId } from '../src/schedule/queues.js';
import { BreakerStore } from '../src/storage/breaker-store.js';
import { Ledger } from '../src/storage/ledger.js';
import { approveAndRun } from './chaos-campaign.js';
import { DEFAULT_FAULT_RATES, type FaultCounts, FaultPlan } from './chaos-faults.js';
import { ownerPid, spawnWorker, type WorkerChild } from './chaos-workers.js';
import { prng } from './prng.js';

const GENERATE_SCRIPT = fileURLToPath(new URL('./generate-data.ts', import.meta.url));
const PREFIX = 'chaos';

export interface ChaosOptions {
  /** Authorities in the generated data set. Default 1000. */
  authorities?: number;
  /** SIGKILLs, at random points of the run. Default 5. */
  kills?: number;
  /** Redis restarts. Default 1, or 0 with failovers. */
  redisRestarts?: number;
  /**
   * SIGKILLs of the Redis primary under Sentinel, alternately while the
   * replica lags and after it caught up. Default 0: a single Redis.
   */
  failovers?: number;
  /** Seeds the data set, the refused addresses and the fault rolls. Default 2024. */
  seed?: number;
  /** Worker processes running at any time. Default 3. */
  workers?: number;
  /** WORKER_CONCURRENCY of each. Default 4. */
  concurrency?: number;
  /**
   * RATE_LIMIT_PER_SECOND for the workers; 0 for none. Default: spread the
   * run over about 4 s per planned kill (at least 8 s), so every kill lands
   * while letters are still going out, whatever the machine's speed.
   */
  ratePerSecond?: number;
  /** Share of recipients whose address the relay refuses with 550. Default 0.02 (at least one). */
  refusedShare?: number;
  /** Give up (and fail) after this long. Default 10 minutes. */
  timeoutMs?: number;
  /**
   * Send each letter with its PDF, as the bundled campaign does (`letterAs: "both"`). Default false: the
   * letter in the body only, so the run measures the queue, the ledger and the faults, not Chromium.
   */
  pdf?: boolean;
  /** Progress and a summary, one line at a time (stderr for the command). */
  log?: (line: string) => void;
}

export interface ChaosResult {
  expected: number;
  delivered: number;
  duplicates: number;
  lost: number;
  permanentFailures: number;
  injectedPermanent: number;
  kills: number;
  redisRestarts: number;
  failovers: number;
  /** Jobs the repairing run after the failovers put back. */
  repaired: number;
  /** Second copies explained by a kill between the relay's 250 and the ledger's `sent`. */
  windowResends: number;
  breakerOpens: number;
  recoveries: number;
  faults: FaultCounts;
  durationMs: number;
  /** Everything that makes the run fail; empty when it passed. */
  problems: string[];
  ok: boolean;
  /** The one line the command prints. */
  line: string;
}

interface Kill {
  pid: number;
  at: number;
}

export async function runChaos(options: ChaosOptions = {}): Promise<ChaosResult> {
  const authorities = options.authorities ?? 1000;
  const plannedKills = options.kills ?? 5;
  const plannedFailovers = options.failovers ?? 0;
  const plannedRestarts = options.redisRestarts ?? (plannedFailovers > 0 ? 0 : 1);
  if (plannedFailovers > 0 && plannedRestarts > 0)
    throw new Error('chaos restarts a single Redis or fails a replicated one over, not both');
  const seed = options.seed ?? 2024;
  const workerCount = Math.max(2, options.workers ?? 3);
  const concurrency = options.concurrency ?? 4;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const log = options.log ?? (() => {});
  const random = prng(seed);
  const started = Date.now();

  if (!hasRedisServer()) throw new Error('chaos needs redis-server on the PATH (apt-get install redis-server)');
  if (!existsSync(GENERATE_SCRIPT)) throw new Error(`chaos needs ${GENERATE_SCRIPT} to generate its data set`);

  const dir = await mkdtemp(join(tmpdir(), 'arm-chaos-'));
  const redis = new PrivateRedis({ appendOnly: true, dir: join(dir, 'redis') });
  const topology = plannedFailovers > 0 ? new RedisTopology() : undefined;
  const workers: WorkerChild[] = [];
  const retired: WorkerChild[] = [];
  let sink: SmtpSink | undefined;
  let monitor: ReturnType<typeof createRedis> | undefined;
  let queue: Queue | undefined;
  // If this process dies (an uncaught error, Ctrl-C), take its children with it:
  // orphaned workers would go on reconnecting to a Redis nobody will restart.
  const lastResort = () => {
    for (const w of [...workers, ...retired]) w.kill('SIGKILL');
    topology?.killAll();
    if (redis.port) spawnSync('redis-cli', ['-p', String(redis.port), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 2_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', lastResort);

  try {
    // The data set, and what "delivered exactly once" means for it.
    const dataDir = join(dir, 'data');
    const generated = spawnSync(
      process.execPath,
      ['--import', 'tsx', GENERATE_SCRIPT, '--out', dataDir, '--authorities', String(authorities), '--seed', String(seed)],
      { encoding: 'utf8' },
    );
    if (generated.status !== 0) throw new Error(`generate-data failed: ${generated.stderr || generated.stdout}`);
    if (!options.pdf) {
      const campaignFile = join(dataDir, 'campaign.json');
      const settings = JSON.parse(readFileSync(campaignFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(campaignFile, `${JSON.stringify({ ...settings, letterAs: 'body' }, null, 2)}\n`);
    }
    const data = await loadValidData(dataDir, { print: () => {} });
    const campaign = data.campaign;
    const fromAddress = campaign.mail.from.address;
    const deliveries = data.authorities.flatMap((a) =>
      recipientsOf(a).map((r) => ({
        authorityId: a.id,
        recipient: r.key,
        email: r.email.toLowerCase(),
        messageId: letterMessageId(campaign.id, a.id, r.key, mailDomain(fromAddress)),
      })),
    );
    const refusedShare = options.refusedShare ?? 0.02;
    const refused = new Set(deliveries.filter(() => random() < refusedShare).map((d) => d.email));
    if (refused.size === 0 && deliveries.length > 0) refused.add(deliveries[Math.floor(random() * deliveries.length)]!.email);
    const injected = deliveries.filter((d) => refused.has(d.email));
    const deliverable = deliveries.filter((d) => !refused.has(d.email));
    const ratePerSecond = options.ratePerSecond ?? Math.ceil(deliveries.length / Math.max(8, (plannedKills + 2 * plannedFailovers) * 4));
    log(
      `chaos: ${data.authorities.length} authorities, ${deliveries.length} deliveries, ${injected.length} refused with 550; ` +
        `${workerCount} workers x ${concurrency}, rate ${ratePerSecond || 'unlimited'}/s, ${plannedKills} kills, ${plannedRestarts} Redis restarts, ${plannedFailovers} failovers`,
    );

    let target: RedisTarget;
    let redisEnv: Record<string, string>;
    if (topology) {
      await topology.start();
      target = { url: 'redis://127.0.0.1', sentinels: topology.sentinelList, name: MASTER_NAME };
      redisEnv = {
        REDIS_URL: target.url,
        REDIS_SENTINELS: topology.sentinelList.map((s) => `${s.host}:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: MASTER_NAME,
      };
    } else {
      await mkdir(join(dir, 'redis'));
      await redis.start();
      target = redis.url;
      redisEnv = { REDIS_URL: redis.url };
    }
    const faults = new FaultPlan(seed, DEFAULT_FAULT_RATES, refused);
    sink = new SmtpSink(faults.sinkOptions());
    const smtpUrl = await sink.start();

    const env = {
      ...redisEnv,
      REPLICA_ACK_TIMEOUT_MS: '500',
      SMTP_URL: smtpUrl,
      QUEUE_PREFIX: PREFIX,
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: String(concurrency),
      SMTP_POOL_SIZE: '2',
      SEND_ATTEMPTS: '25',
      BACKOFF_MS: '200',
      LEASE_MS: '5000',
      JOB_LOCK_MS: '4000',
      STALLED_INTERVAL_MS: '2000',
      BREAKER_THRESHOLD: '12',
      BREAKER_COOLDOWN_MS: '2000',
      RATE_LIMIT_PER_SECOND: String(ratePerSecond),
    };
    let spawned = 0;
    const startWorker = () => {
      const child = spawnWorker({
        env: { ...env, DELIVERY_LOG: join(dir, `deliveries-${++spawned}.log`), EVIDENCE_DIR: join(dir, 'evidence') },
        keep: [
          'delivery.recovered',
          'delivery.claim-lost',
          'delivery.claim-unacknowledged',
          'delivery.outcome-unacknowledged',
          'job.failed',
          'worker.error',
          'breaker.',
          'worker.shutdown-timeout',
        ],
      });
      workers.push(child);
      return child;
    };
    for (let i = 0; i < workerCount; i++) startWorker();
    await Promise.all(workers.map((w) => w.ready));
    log(`chaos: ${workers.length} workers ready after ${Date.now() - started} ms`);

    const config = loadConfig({
      ...redisEnv,
      QUEUE_PREFIX: PREFIX,
      SEND_ATTEMPTS: env.SEND_ATTEMPTS,
      BACKOFF_MS: env.BACKOFF_MS,
      LOG_LEVEL: 'silent',
    });
    await approveAndRun(config, dataDir);

    // Watch through a worker-role connection: it waits out the Redis restart.
    monitor = createRedis(target, 'worker');
    monitor.on('error', () => {});
    queue = new Queue(LETTERS_QUEUE, { connection: monitor, prefix: PREFIX });
    // Redis is away during its restart; the connection waits for it, so say nothing.
    queue.on('error', () => {});
    const ledger = new Ledger(monitor, PREFIX, campaign.id);

    // Random points of the run (share of letters finished) for each fault.
    const killAt = Array.from({ length: plannedKills }, (_, i) => (i + 0.25 + 0.5 * random()) / (plannedKills + 1));
    const restartAt = Array.from({ length: plannedRestarts }, (_, i) => (i + 0.3 + 0.4 * random()) / (plannedRestarts + 1));
    const failoverAt = Array.from({ length: plannedFailovers }, (_, i) => (i + 0.3 + 0.4 * random()) / (plannedFailovers + 1));
    let failovers = 0;
    const outageAt = 0.05 + 0.1 * random();
    const kills: Kill[] = [];
    let restarts = 0;
    let repairs = 0;
    let repaired = 0;
    let outageStarted = 0;
    let outageEnded = false;
    const problems: string[] = [];
    const deadline = started + timeoutMs;
    let lastReport = 0;

    for (;;) {
      if (Date.now() > deadline) {
        problems.push(`timed out after ${timeoutMs} ms`);
        break;
      }
      const counts = await ledger.counts();
      const finished = counts.sent + counts['permanent-failure'];
      const progress = deliveries.length === 0 ? 1 : finished / deliveries.length;

      if (!outageStarted && progress >= outageAt) {
        faults.outage = true;
        outageStarted = Date.now();
        log(`chaos: relay outage begins at ${(progress * 100).toFixed(0)}%`);
      }
      if (faults.outage) {
        const opened = (await new BreakerStore(monitor, PREFIX).read()).opens > 0;
        if (opened || Date.now() - outageStarted > 10_000) {
          faults.outage = false;
          outageEnded = true;
          log(`chaos: relay outage over after ${Date.now() - outageStarted} ms (breaker ${opened ? 'opened' : 'did not open'})`);
        }
      }
      if (kills.length < plannedKills && progress >= killAt[kills.length]!) {
        const live = workers.filter((w) => w.isReady());
        if (live.length >= 2) {
          const victim = live[Math.floor(random() * live.length)]!;
          victim.kill('SIGKILL');
          kills.push({ pid: victim.pid, at: Date.now() });
          workers.splice(workers.indexOf(victim), 1);
          retired.push(victim);
          startWorker();
          log(`chaos: SIGKILL worker ${victim.pid} at ${(progress * 100).toFixed(0)}% (kill ${kills.length} of ${plannedKills})`);
        }
      }
      if (restarts < plannedRestarts && progress >= restartAt[restarts]!) {
        const t = Date.now();
        await redis.restart();
        restarts++;
        log(`chaos: Redis restarted at ${(progress * 100).toFixed(0)}% in ${Date.now() - t} ms`);
      }

      if (topology && failovers < plannedFailovers && progress >= failoverAt[failovers]!) {
        // Alternately: a primary whose replica lags half a second behind (first: the harder case), and one whose replica has everything.
        const lagging = failovers % 2 === 0;
        if (!lagging) await topology.waitForReplicaCaughtUp();
        const t = Date.now();
        const before = await topology.primaryPort();
        const after = await topology.killPrimary(30_000, lagging ? { lagMs: 500 } : {});
        failovers++;
        log(
          `chaos: SIGKILL Redis primary ${before} at ${(progress * 100).toFixed(0)}% (${lagging ? 'replica lagging' : 'replica caught up'}); ${after} promoted after ${Date.now() - t} ms`,
        );
        await topology.restartKilledAsReplicas();
        log(`chaos: ${before} back as a replica of ${after} after ${Date.now() - t} ms`);
      }

      const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      const unfinished = Object.values(jobs).reduce((a, b) => a + b, 0);
      if (Date.now() - lastReport > 2_000) {
        lastReport = Date.now();
        log(`chaos: ${finished}/${deliveries.length} finished; jobs ${JSON.stringify(jobs)}`);
      }
      // After a failover, a lost job leaves its letters queued with nothing to send them: the repair's work.
      const settled = counts.queued + counts.sending === 0 || (failovers === plannedFailovers && repairs === 0 && plannedFailovers > 0);
      if (unfinished === 0 && settled && !faults.outage) {
        if (repairs > 0 || plannedFailovers === 0) break;
        // The repairing run an operator makes after a failover: every owed letter gets its job back.
        const repair = await runCommand(
          { data: dataDir, wait: false },
          { ...config, TEST_RECIPIENT: undefined },
          { out: () => {}, err: () => {} },
        );
        repairs++;
        repaired = repair.restored + repair.requeued;
        log(`chaos: repairing run: ${repair.added} jobs added, ${repair.restored} added back, ${repair.requeued} run again`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (kills.length < plannedKills)
      problems.push(`only ${kills.length} of ${plannedKills} kills could be made while letters were going out (lower --rate)`);
    if (failovers < plannedFailovers)
      problems.push(`only ${failovers} of ${plannedFailovers} failovers were made while letters were going out`);
    if (restarts < plannedRestarts)
      problems.push(`only ${restarts} of ${plannedRestarts} Redis restarts were made while letters were going out`);
    if (!outageEnded) problems.push('the relay outage never happened');

    // Evidence, before anything is torn down.
    const breaker = await new BreakerStore(monitor, PREFIX).read();
    if (breaker.state !== 'closed') problems.push('the breaker is still open at the end');
    if (await queue.isPaused()) problems.push('the letters queue is still paused at the end');
    const records = new Map<string, DeliveryRecord>();
    for await (const r of ledger.records()) records.set(r.messageId, r);
    const jobStates = new Map<string, string>();
    for (const a of data.authorities) {
      const job = await queue.getJob(letterJobId(campaign.id, a.id));
      jobStates.set(a.id, job ? await job.getState() : 'missing');
    }

    // Shut the workers down in order, so their delivery logs are complete.
    await Promise.all(workers.map((w) => w.stop()));
    const events = [...retired, ...workers].flatMap((w) => w.events);

    const verdict = judge({
      deliverable,
      injected,
      received: sink.received,
      records,
      jobStates,
      refusedAuthorities: new Set(injected.map((d) => d.authorityId)),
      kills,
      recoveredAt: recoveryTimes(events),
      unacknowledged: new Set(events.filter((e) => e.event === 'delivery.outcome-unacknowledged').map((e) => String(e.messageId))),
    });
    problems.push(...verdict.problems);
    const recoveries = events.filter((e) => e.event === 'delivery.recovered').length;
    const claimLost = events.filter((e) => e.event === 'delivery.claim-lost').length;

    const result: ChaosResult = {
      expected: deliverable.length,
      delivered: verdict.delivered,
      duplicates: verdict.duplicates,
      lost: verdict.lost,
      permanentFailures: verdict.permanentFailures,
      injectedPermanent: injected.length,
      kills: kills.length,
      redisRestarts: restarts,
      failovers,
      repaired,
      windowResends: verdict.windowResends,
      breakerOpens: breaker.opens,
      recoveries,
      faults: faults.counts,
      durationMs: Date.now() - started,
      problems,
      ok: problems.length === 0,
      line: '',
    };
    result.line =
      `chaos: ${result.expected} deliveries expected, ${result.delivered} delivered, ${result.duplicates} duplicates, ` +
      `${result.lost} lost, ${result.permanentFailures} permanent failures (as injected), ${result.kills} worker kills, ` +
      `${result.redisRestarts} redis restarts, ${result.windowResends} resent in the documented window` +
      (plannedFailovers > 0 ? `, ${result.failovers} failovers` : '');
    log(
      `chaos: faults injected ${JSON.stringify(result.faults)}; breaker opened ${result.breakerOpens} time(s); ` +
        `${recoveries} claims recovered, ${claimLost} claims lost; ` +
        `${countEvents(events, 'delivery.claim-unacknowledged')} claims and ${countEvents(events, 'delivery.outcome-unacknowledged')} outcomes unacknowledged, ${repaired} jobs repaired; ${result.durationMs} ms`,
    );
    if (verdict.windowGapsMs.length > 0) {
      log(
        `chaos: window resends: the relay stored the first copy at ${verdict.windowGapsMs.map((g) => `kill${g >= 0 ? '+' : ''}${g}ms`).join(', ')}`,
      );
    }
    const reasons = new Map<string, number>();
    for (const e of events)
      if (e.event === 'job.failed' || e.event === 'worker.error') {
        const err = e.err as { message?: string } | undefined;
        const reason = `${String(e.event)}: ${String(e.reason ?? err?.message ?? '')
          .replace(/[0-9a-f]{8}\b|\d+/g, 'N')
          .slice(0, 120)}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) log(`chaos: ${n} x ${reason}`);
    for (const problem of problems) log(`chaos: PROBLEM: ${problem}`);
    return result;
  } finally {
    process.off('exit', lastResort);
    await Promise.all([...workers, ...retired].map((w) => w.stop(5_000)));
    await queue?.close().catch(() => {});
    monitor?.disconnect();
    await sink?.stop();
    await redis.destroy().catch(() => {});
    await topology?.destroy().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

interface Evidence {
  deliverable: Array<{ authorityId: string; recipient: string; messageId: string }>;
  injected: Array<{ authorityId: string; recipient: string; messageId: string }>;
  received: ReceivedMessage[];
  records: Map<string, DeliveryRecord>;
  jobStates: Map<string, string>;
  refusedAuthorities: Set<string>;
  kills: Kill[];
  /** When another worker took over each recovered claim (its `delivery.recovered` line), by Message-ID. */
  recoveredAt: Map<string, number[]>;
  /** Message-IDs whose `sent` no replica acknowledged (`delivery.outcome-unacknowledged`): a failover may have rolled them back. */
  unacknowledged?: Set<string>;
}

/** What the SMTP server got, against what the ledger and the jobs say. */
export function judge(evidence: Evidence): {
  delivered: number;
  duplicates: number;
  lost: number;
  permanentFailures: number;
  windowResends: number;
  /** For each window resend: ms from the relay storing the first copy to the kill. */
  windowGapsMs: number[];
  problems: string[];
} {
  const problems: string[] = [];
  const copies = new Map<string, ReceivedMessage[]>();
  for (const m of evidence.received) {
    const list = copies.get(m.messageId) ?? [];
    list.push(m);
    copies.set(m.messageId, list);
  }
  const killedAt = new Map(evidence.kills.map((k) => [k.pid, k.at]));
  let delivered = 0;
  let duplicates = 0;
  let windowResends = 0;
  const windowGapsMs: number[] = [];
  const lostIds: string[] = [];
  for (const d of evidence.deliverable) {
    const got = copies.get(d.messageId) ?? [];
    const record = evidence.records.get(d.messageId);
    if (got.length === 0) {
      lostIds.push(d.messageId);
      continue;
    }
    delivered++;
    if (record?.status !== 'sent') problems.push(`${d.messageId} was received but the ledger says ${record?.status ?? 'nothing'}`);
    if (got.length === 1) continue;
    const pid = ownerPid(record?.recoveredFrom);
    const kill = pid === undefined ? undefined : killedAt.get(pid);
    const [first, second] = [got[0]!, got[1]!];
    // The takeover after the kill; without its log line (a worker killed before
    // flushing it), allow the dead worker's last bytes one second to arrive.
    const takeover =
      (evidence.recoveredAt.get(d.messageId) ?? []).find((t) => kill !== undefined && t >= kill) ??
      (kill === undefined ? undefined : kill + 1_000);
    if (got.length === 2 && kill !== undefined && takeover !== undefined && first.receivedAt < takeover && second.receivedAt >= takeover) {
      windowResends++;
      windowGapsMs.push(first.receivedAt - kill);
    } else if (got.length === 2 && evidence.unacknowledged?.has(d.messageId)) {
      // The failover's window: sent, recorded, but on no replica when the primary died.
      windowResends++;
    } else {
      duplicates += got.length - 1;
      const times = got.map((m) =>
        kill === undefined ? m.receivedAt : `kill${m.receivedAt - kill >= 0 ? '+' : ''}${m.receivedAt - kill}ms`,
      );
      problems.push(
        `${d.messageId} was received ${got.length} times (${times.join(', ')}; recoveredFrom ${record?.recoveredFrom ?? 'none'})`,
      );
    }
  }
  if (lostIds.length > 0) problems.push(`${lostIds.length} letters never arrived, e.g. ${lostIds.slice(0, 5).join(', ')}`);

  let permanentFailures = 0;
  const injectedIds = new Set(evidence.injected.map((d) => d.messageId));
  for (const record of evidence.records.values()) {
    if (record.status !== 'permanent-failure') continue;
    permanentFailures++;
    if (!injectedIds.has(record.messageId))
      problems.push(`${record.messageId} failed permanently but no 550 was injected for it: ${record.response}`);
  }
  for (const d of evidence.injected) {
    if ((copies.get(d.messageId) ?? []).length > 0) problems.push(`${d.messageId} was refused with 550 yet received`);
    const status = evidence.records.get(d.messageId)?.status;
    if (status !== 'permanent-failure') problems.push(`${d.messageId} was refused with 550 but the ledger says ${status ?? 'nothing'}`);
  }
  const known = new Set([...evidence.deliverable, ...evidence.injected].map((d) => d.messageId));
  const strangers = [...copies.keys()].filter((id) => !known.has(id));
  if (strangers.length > 0) problems.push(`${strangers.length} messages nobody expected, e.g. ${strangers[0]}`);

  for (const [authorityId, state] of evidence.jobStates) {
    const want = evidence.refusedAuthorities.has(authorityId) ? 'failed' : 'completed';
    if (state !== want) problems.push(`job of ${authorityId} ended ${state}, expected ${want}`);
  }
  return { delivered, duplicates, lost: lostIds.length, permanentFailures, windowResends, windowGapsMs, problems };
}

function countEvents(events: Array<Record<string, unknown>>, name: string): number {
  return events.filter((e) => e.event === name).length;
}

function recoveryTimes(events: Array<Record<string, unknown>>): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const e of events) {
    if (e.event !== 'delivery.recovered' || typeof e.messageId !== 'string' || typeof e.time !== 'string') continue;
    const list = times.get(e.messageId) ?? [];
    list.push(Date.parse(e.time));
    times.set(e.messageId, list);
  }
  return times;
}

async function main(): Promise<void> {
  // Ctrl-C or a TERM: exit, which stops the workers and Redis this run started (see lastResort).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const { values } = parseArgs({
    options: {
      authorities: { type: 'string', default: '1000' },
      kills: { type: 'string', default: '5' },
      'redis-restarts': { type: 'string' },
      failover: { type: 'boolean', default: false },
      seed: { type: 'string', default: '2024' },
      workers: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '4' },
      rate: { type: 'string' },
      'timeout-ms': { type: 'string', default: '600000' },
      pdf: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, not ${value}`);
    return n;
  };
  const result = await runChaos({
    authorities: int('authorities', values.authorities, 1),
    kills: int('kills', values.kills, 0),
    redisRestarts: values['redis-restarts'] === undefined ? undefined : int('redis-restarts', values['redis-restarts'], 0),
    failovers: values.failover ? 2 : 0,
    seed: int('seed', values.seed, 0),
    workers: int('workers', values.workers, 2),
    concurrency: int('concurrency', values.concurrency, 1),
    ratePerSecond: values.rate === undefined ? undefined : int('rate', values.rate, 0),
    timeoutMs: int('timeout-ms', values['timeout-ms'], 1000),
    pdf: values.pdf,
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  process.stdout.write(`${result.line}\n`);
  if (!result.ok && !values.verbose) for (const p of result.problems.slice(0, 20)) process.stderr.write(`chaos: ${p}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`chaos: could not run: ${error instanceof Error ? error.message : String(error)}\n`);
    // Where it failed, for a run that reports its progress.
    if (process.argv.includes('--verbose') && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  });
}
