/**
 * Replica acknowledgement: a write that guards a send (the ledger's claim, and
 * the outcome after it) is not trusted until a replica has it. Replication is
 * asynchronous, so a primary that dies takes with it whatever it acknowledged
 * but had not yet passed on; `WAIT 1 <timeout>` asks the primary to hold our
 * answer until at least one replica has every write this connection made.
 *
 * Two honest limits, both said in README ("Exactly once through a failover"):
 * with no replica connected there is nothing to wait for (a single Redis, or a
 * new primary whose old one has not come back yet), and WAIT is answered for
 * the connection that asks: when the connection dropped (a failover) between
 * the write and the WAIT, the WAIT would be asked of a server that may never
 * have seen the write, so the answer counts as "not acknowledged".
 */
import type { Redis } from 'ioredis';

/** How long the replica count from INFO replication is trusted before it is read again. */
const REPLICA_COUNT_TTL_MS = 3_000;

export class ReplicaAck {
  private replicas = 0;
  private readAt = -Infinity;
  private reading: Promise<number> | undefined;
  /** Connections closed so far: a change between a write and its WAIT means another server may have answered. */
  private closes = 0;

  /**
   * @param timeoutMs - how long WAIT waits for a replica; 0 turns acknowledgement off.
   */
  constructor(
    private readonly redis: Redis,
    readonly timeoutMs: number,
  ) {
    redis.on('close', () => {
      this.closes++;
      // The next primary may have a different number of replicas.
      this.readAt = -Infinity;
    });
  }

  /** Whether writes wait for a replica at all (REPLICA_ACK_TIMEOUT_MS above 0). */
  get enabled(): boolean {
    return this.timeoutMs > 0;
  }

  /** Marks the moment before a write; pass it to `acknowledged` after the write. */
  mark(): number {
    return this.closes;
  }

  /**
   * Whether the writes this connection made since `mark` are on a replica:
   * true at once when acknowledgement is off or no replica is connected.
   */
  async acknowledged(mark: number): Promise<boolean> {
    if (this.timeoutMs === 0) return true;
    const replicas = await this.replicaCount();
    if (replicas === 0) return mark === this.closes;
    // A WAIT cut off by a dropped connection is an answer too: not acknowledged.
    const acked = Number(await this.redis.call('WAIT', '1', String(this.timeoutMs)).catch(() => 0));
    if (acked < 1) this.readAt = -Infinity;
    return acked >= 1 && mark === this.closes;
  }

  /** connected_slaves from INFO replication, read at most every few seconds (not once per letter). */
  private async replicaCount(): Promise<number> {
    if (Date.now() - this.readAt < REPLICA_COUNT_TTL_MS) return this.replicas;
    this.reading ??= this.redis
      .info('replication')
      .then((info) => {
        this.replicas = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
        this.readAt = Date.now();
        return this.replicas;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}

const byConnection = new WeakMap<Redis, ReplicaAck>();

/** One ReplicaAck per connection, so its replica count and close count are shared by every ledger on it. */
export function replicaAckFor(redis: Redis, timeoutMs: number): ReplicaAck {
  let ack = byConnection.get(redis);
  if (!ack || ack.timeoutMs !== timeoutMs) {
    ack = new ReplicaAck(redis, timeoutMs);
    byConnection.set(redis, ack);
  }
  return ack;
}
