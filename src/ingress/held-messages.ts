import type { InboundMessage } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { InboundProducer } from '../queue/inbound-queue.js';
import type { Sql } from '../store/database.js';

// While messages are held, how often the gateway tries to queue them; and how often it looks for messages another
// gateway held and could not queue before it stopped (a gateway queues what it held itself as soon as it can).
const RETRY_MS = 1000;
const SWEEP_MS = 60_000;
// Queued per transaction, oldest first: a long outage's backlog drains in order, a batch at a time.
const BATCH = 100;
// A message held longer is dropped, not answered: the conversation has moved on without it.
const MAX_HOLD_HOURS = 24;

/**
 * Messages from a platform that will not deliver them again, queued or, while Redis is unreachable, held in
 * Postgres (held_messages) and queued once Redis is back. Held in Postgres, not in the gateway's memory, because the
 * platform has already been told the message arrived: a gateway restarted or replaced during the outage would lose
 * anything it held itself. While any are held, new messages are held behind them, so a conversation keeps its order.
 * Several gateways may drain at once: rows are locked while queued, and queueing a message twice adds nothing.
 */
export class HeldMessages {
  /** Whether messages may be held (by this gateway or one before it): true until a drain finds none. */
  private backlog = true;
  /** Counts holds, so a drain that found none can tell whether one arrived while it looked. */
  private holds = 0;
  private draining: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly sql: Sql,
    private readonly producer: InboundProducer,
    private readonly log: Logger,
  ) {}

  /** Starts queueing held messages: any left from before now, then whenever some are held. */
  start(): void {
    this.retry = setInterval(() => this.backlog && this.kick(), RETRY_MS).unref();
    this.sweep = setInterval(() => this.kick(), SWEEP_MS).unref();
    this.kick();
  }

  /** Stops queueing; a drain under way finishes its batch. Held messages stay held for the next gateway. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.retry);
    clearInterval(this.sweep);
    await this.draining;
  }

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
        this.log.warn({ err: error, deliveryId: message.id }, 'Redis is unreachable (REDIS_URL): holding the message in Postgres until it is back');
      }
    }
    try {
      await this.sql`
        insert into held_messages (id, message) values (${message.id}, ${JSON.stringify(message)}::jsonb)
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
      .then(() => void (this.failing = false))
      .catch((error: unknown) => {
        // Once per outage, not once a second.
        if (!this.failing) this.log.warn({ err: error }, 'cannot reach Postgres (DATABASE_URL) to queue held messages; trying again');
        this.failing = true;
      })
      .finally(() => (this.draining = undefined));
  }

  /** Queues held messages, a batch at a time, until none are left or Redis refuses again. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const holdsBefore = this.holds;
      const { found, queued, dropped } = await this.queueBatch();
      if (queued + dropped > 0) this.log.info({ queued, dropped }, 'queued messages held while Redis was unreachable');
      if (queued + dropped < found) return; // Redis refused: the next retry tries again
      // None left, unless one was held while this looked: then look again.
      if (found === 0 && this.holds === holdsBefore) {
        this.backlog = false;
        return;
      }
    }
  }

  private queueBatch(): Promise<{ found: number; queued: number; dropped: number }> {
    return this.sql.begin(async (tx) => {
      // Locked rows belong to another gateway's drain: skipped, not waited for.
      const rows = await tx<{ id: string; message: string; stale: boolean }[]>`
        select id, message::text as message, held_at < now() - make_interval(hours => ${MAX_HOLD_HOURS}) as stale
        from held_messages order by held_at, id limit ${BATCH} for update skip locked`;
      const done: string[] = [];
      let queued = 0;
      for (const row of rows) {
        if (row.stale) {
          this.log.error({ deliveryId: row.id }, `dropped a message held for over ${MAX_HOLD_HOURS} hours: Redis (REDIS_URL) was unreachable all that time`);
          done.push(row.id);
          continue;
        }
        try {
          await this.producer.enqueue(JSON.parse(row.message) as InboundMessage);
        } catch {
          break; // Redis is still (or again) away: the rest stay held, in order
        }
        done.push(row.id);
        queued += 1;
      }
      if (done.length > 0) await tx`delete from held_messages where id in ${tx(done)}`;
      return { found: rows.length, queued, dropped: done.length - queued };
    });
  }
}
