import type { Redis } from 'ioredis';
import type { Logger } from '../log/create-logger.js';

/** After a WAIT that no replica answered in time, how long writes go unconfirmed before WAIT is tried again. */
const UNCONFIRMED_FOR_MS = 10_000;

/** The connection closed between a write and its confirmation: the write may be gone with the old primary. */
export class UnconfirmedWriteError extends Error {
  override readonly name = 'UnconfirmedWriteError';
  constructor() {
    super('the connection to Redis closed before a replica confirmed the write (a failover?): not acknowledged, so it is queued again');
  }
}

/**
 * Confirms that a replica holds the writes a connection made, before the platform is told a message arrived (Redis
 * WAIT, https://redis.io/docs/latest/commands/wait/). Replication is asynchronous: a primary that dies right after
 * acknowledging a write may take it along, and the replica Sentinel promotes never saw it. Sentinel promotes the replica
 * with the most data, so a write one replica confirmed survives a failover.
 *
 * WAIT covers every write its connection sent before it, so callers share one: those that arrive while a WAIT is out
 * wait for the next. When no replica answers within `waitMs` (none is up, or one is far behind), the write is
 * acknowledged anyway, logged, and the next writes for a while go unconfirmed: the queue stays open, and the operator
 * hears that a failover now could lose messages. A connection that closes between the write and the confirmation (the
 * primary died) fails the write: the caller reports it unqueued, and the platform delivers it again (or the gateway
 * holds it), which queues nothing twice (the job id is the delivery's).
 */
export class ReplicaConfirm {
  private closes = 0;
  private inFlight: Promise<number> | undefined;
  private next: Promise<number> | undefined;
  private unconfirmedUntil = 0;
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly waitMs: number,
    private readonly log: Logger,
  ) {
    redis.on('close', () => (this.closes += 1));
  }

  /** Call before writing; hand the mark to `confirm` once the writes are answered. */
  mark(): number {
    return this.closes;
  }

  /** Resolves once a replica holds the writes made since `mark` (or none answered in time); throws if the connection closed. */
  async confirm(mark: number): Promise<void> {
    if (Date.now() >= this.unconfirmedUntil) {
      const replicas = await this.sharedWait();
      if (this.closes !== mark) throw new UnconfirmedWriteError();
      if (replicas > 0) {
        if (this.warned) this.log.info('a Redis replica confirms queued messages again');
        this.warned = false;
        return;
      }
      this.unconfirmedUntil = Date.now() + UNCONFIRMED_FOR_MS;
      if (!this.warned) {
        this.log.warn(
          { waitMs: this.waitMs },
          'no Redis replica confirmed a queued message within REDIS_REPLICA_WAIT_MS: acknowledging messages unconfirmed (a failover now could lose the latest); is the replica up and keeping up?',
        );
      }
      this.warned = true;
    }
    if (this.closes !== mark) throw new UnconfirmedWriteError();
  }

  private sharedWait(): Promise<number> {
    if (!this.inFlight) return this.startWait();
    // The WAIT out now may have been sent before this caller's writes: take the next one.
    this.next ??= this.inFlight
      .catch(() => 0)
      .then(() => {
        this.next = undefined;
        return this.startWait();
      });
    return this.next;
  }

  private startWait(): Promise<number> {
    const wait = this.redis.wait(1, this.waitMs).finally(() => {
      if (this.inFlight === wait) this.inFlight = undefined;
    });
    this.inFlight = wait;
    return wait;
  }
}
