import type { InboundMessage } from '../domain/inbound-message.js';
import { withoutNul } from '../domain/without-nul.js';
import type { Logger } from '../log/create-logger.js';
import type { InboundProducer } from '../queue/inbound-queue.js';
import { isConnectionError } from '../redis/is-connection-error.js';
import type { Sql } from '../store/database.js';

// While messages are held, how often the gateway tries to queue them; and how often it looks for messages another
// gateway held and could not queue before it stopped (a gateway queues what it held itself as soon as it can).
const RETRY_MS = 1000;
const SWEEP_MS = 60_000;
// Queued per transaction, oldest first: a long outage's backlog drains in order, a batch at a time.
const BATCH = 100;
// A message held longer is dropped, not answered: the conversation has moved on without it.
const MAX_HOLD_HOURS = 24;
// A message Redis answered but refused is set aside and tried again this often: a refusal by Redis as a whole (out of
// memory, a read-only replica) ends once the operator fixes it, and one that keeps failing costs an attempt a while.
const SET_ASIDE_RETRY_MS = 5 * 60_000;

export interface HeldMessagesOptions {
  /** How often a message Redis refused is tried again (default 5 minutes). */
  setAsideRetryMs?: number;
}

/**
 * Messages from a platform that will not deliver them again, queued or, while Redis is unreachable, held in
 * Postgres (held_messages) and queued once Redis is back. Held in Postgres, not in the gateway's memory, because the
 * platform has already been told the message arrived: a gateway restarted or replaced during the outage would lose
 * anything it held itself. While any are held, new messages are held behind them, so a conversation keeps its order:
 * those held by this gateway, and by others once this one has seen Redis go away too (every gateway loses the same
 * Redis). Several gateways may drain at once: rows are locked while queued, and a drain waits for another's rows
 * rather than go past them; queueing a message twice adds nothing. A message Redis answers but refuses (out of memory,
 * read-only, a bad key) is set aside, marked with the error, so it does not hold up the ones after it.
 */
export class HeldMessages {
  /**
   * Whether messages may be held (by this gateway, one before it, or another while Redis was away): true until a
   * drain finds none with Redis up, and again whenever this gateway's connection to Redis closes.
   */
  private backlog = true;
  /** Counts holds, so a drain that found none can tell whether one arrived while it looked. */
  private holds = 0;
  private draining: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Postgres, or Redis, was found away by a drain and not yet back: each outage is logged once. */
  private postgresAway = false;
  private redisAway = false;
  private readonly setAsideRetryMs: number;

  constructor(
    private readonly sql: Sql,
    private readonly producer: InboundProducer,
    private readonly log: Logger,
    options: HeldMessagesOptions = {},
  ) {
    this.setAsideRetryMs = options.setAsideRetryMs ?? SET_ASIDE_RETRY_MS;
  }

  /** Starts queueing held messages: any left from before now, then whenever some are held. */
  start(): void {
    this.retry = setInterval(() => this.backlog && this.kick(), RETRY_MS).unref();
    // The sweep also tries again the messages set aside (sooner, if they are to be tried sooner).
    this.sweep = setInterval(() => this.kick(), Math.min(SWEEP_MS, this.setAsideRetryMs)).unref();
    // Other gateways may be holding messages whenever this one loses Redis, even if it holds none itself.
    this.producer.redis.on('close', this.redisClosed);
    this.kick();
  }

  /** Stops queueing; a drain under way finishes its batch. Held messages stay held for the next gateway. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.retry);
    clearInterval(this.sweep);
    this.producer.redis.off('close', this.redisClosed);
    await this.draining;
  }

  private readonly redisClosed = (): void => {
    this.backlog = true;
  };

  /**
   * Queues the message, or holds it when Redis cannot take it now (or messages are already waiting ahead of it).
   * Resolves once it is either. With Postgres unreachable too, it keeps trying Redis for a while (in memory: lost if
   * the gateway stops meanwhile) and throws when that runs out.
   */
  async submit(message: InboundMessage): Promise<'queued' | 'held'> {
    if (!this.backlog) {
      try {
        await this.producer.enqueue(message);
        return 'queued';
      } catch (error) {
        this.log.warn({ err: error, deliveryId: message.id }, 'Redis (REDIS_URL) did not take the message: holding it in Postgres until it does');
      }
    }
    try {
      await this.sql`
        insert into held_messages (id, message) values (${message.id}, ${JSON.stringify(withoutNul(message))}::jsonb)
        on conflict (id) do nothing`;
    } catch (error) {
      this.log.error(
        { err: error, deliveryId: message.id },
        'cannot hold the message in Postgres (DATABASE_URL) while Redis is unreachable: keeping it in memory until Redis is back; it is lost if this gateway stops first',
      );
      await this.producer.enqueue(message, { patient: true });
      return 'queued';
    }
    this.holds += 1;
    this.backlog = true;
    this.kick();
    return 'held';
  }

  private kick(): void {
    if (this.stopped) return;
    this.draining ??= this.drain()
      .then(() => void (this.postgresAway = false))
      .catch((error: unknown) => {
        // Once per outage, not once a second.
        if (!this.postgresAway) this.log.warn({ err: error }, 'cannot reach Postgres (DATABASE_URL) to queue held messages; trying again');
        this.postgresAway = true;
      })
      .finally(() => (this.draining = undefined));
  }

  /** Queues held messages, a batch at a time, until none are left (but those set aside) or Redis is away again. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const holdsBefore = this.holds;
      const { found, queued, dropped, away } = await this.queueBatch();
      if (queued + dropped > 0) this.log.info({ queued, dropped }, 'queued messages held while Redis could not take them');
      if (away) return; // the next retry tries again
      // None left, unless one was held while this looked: then look again. While Redis is away, others may yet hold
      // some (they hold what they cannot queue), so new messages are held until it is back and none are left.
      if (found === 0 && this.holds === holdsBefore) {
        if (this.producer.redis.status === 'ready') {
          this.backlog = false;
          this.redisAway = false;
        }
        return;
      }
    }
  }

  private queueBatch(): Promise<{ found: number; queued: number; dropped: number; away: boolean }> {
    return this.sql.begin(async (tx) => {
      // Rows another gateway's drain has locked are waited for, not skipped: skipping them would find "none left" and
      // queue new messages ahead of them. Set-aside rows wait for their next try.
      const rows = await tx<{ id: string; message: string; error: string | null; stale: boolean }[]>`
        select id, message::text as message, error, held_at < now() - make_interval(hours => ${MAX_HOLD_HOURS}) as stale
        from held_messages
        where set_aside_at is null or set_aside_at < now() - make_interval(secs => ${this.setAsideRetryMs / 1000})
        order by held_at, id limit ${BATCH} for update`;
      const done: string[] = [];
      let queued = 0;
      let away = false;
      for (const row of rows) {
        if (row.stale) {
          const why = row.error ? `Redis (REDIS_URL) kept refusing it: ${row.error}` : 'Redis (REDIS_URL) was unreachable all that time';
          this.log.error({ deliveryId: row.id }, `dropped a message held for over ${MAX_HOLD_HOURS} hours: ${why}`);
          done.push(row.id);
          continue;
        }
        try {
          await this.producer.enqueue(JSON.parse(row.message) as InboundMessage);
        } catch (error) {
          if (await this.isRedisAway(error)) {
            away = true;
            break; // the rest stay held, in order
          }
          await tx`update held_messages set set_aside_at = now(), error = ${messageOf(error)} where id = ${row.id}`;
          this.reportRefused(row, error);
          continue;
        }
        this.redisAway = false;
        done.push(row.id);
        queued += 1;
      }
      if (done.length > 0) await tx`delete from held_messages where id in ${tx(done)}`;
      return { found: rows.length, queued, dropped: done.length - queued, away };
    });
  }

  /**
   * Whether a failed enqueue means Redis is away (a lost connection, or no answer to PING: the rest wait behind it)
   * rather than answering and refusing this message. Logged once per outage.
   */
  private async isRedisAway(error: unknown): Promise<boolean> {
    let away = isConnectionError(error);
    if (!away) away = await this.producer.redis.ping().then(() => false, () => true);
    if (away && !this.redisAway) {
      this.log.warn({ err: error }, 'Redis (REDIS_URL) is unreachable: held messages stay in Postgres (held_messages) and are queued, in order, once it is back');
    }
    this.redisAway ||= away;
    return away;
  }

  /** Tells the operator, the first time only, which message Redis refused, why, and what to fix. */
  private reportRefused(row: { id: string; error: string | null }, error: unknown): void {
    if (row.error) {
      this.log.debug({ deliveryId: row.id, err: error }, 'Redis refused a set-aside message again');
      return;
    }
    const retry = `tried again every ${Math.round(this.setAsideRetryMs / 1000)} s until held ${MAX_HOLD_HOURS} hours`;
    this.log.error(
      { deliveryId: row.id, err: error },
      `Redis (REDIS_URL) refused to queue a held message (${whatToFix(messageOf(error))}); set aside in held_messages with its error, so the messages after it go on, and ${retry}`,
    );
  }
}

/** What an operator can do about a refusal, from the error Redis answered with. */
function whatToFix(message: string): string {
  if (message.startsWith('OOM')) return 'Redis is out of memory: raise its maxmemory or free memory; BullMQ needs the noeviction policy, so Redis refuses writes instead of evicting';
  if (message.startsWith('NOREPLICAS')) return 'the Redis primary has fewer replicas than its min-replicas-to-write asks for: bring a replica back';
  if (message.startsWith('READONLY')) return 'REDIS_URL points at a read-only replica, as after a failover: point it at the primary';
  if (message.startsWith('NOPERM') || message.startsWith('NOAUTH')) return 'the Redis user in REDIS_URL may not run what queueing needs: grant it';
  if (message.startsWith('WRONGTYPE')) return 'a key under QUEUE_PREFIX holds a value of another type: is something else writing under that prefix?';
  return `Redis said: ${message}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
