import { isAllowed, type Place } from '../config/is-allowed.js';
import type { ControlsConfig } from '../config/read-config.js';
import type { InboundMessage, Platform } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { InboundProducer } from '../queue/inbound-queue.js';
import type { Sql } from '../store/database.js';
import { PostIndexer } from '../knowledge/post-indexer.js';
import { HeldMessages } from './held-messages.js';
import type { Herald } from './herald.js';
import { ThreadMembership } from './thread-membership.js';

/** Whether follow-ups in a thread Xiaoliu is part of need a new @mention ('mentions') or not ('threads'). */
export type ReplyMode = 'threads' | 'mentions';

/**
 * What to do with a message while Redis cannot take it, by what its platform does with a message it was not told
 * arrived: 'fail' — it delivers again (Slack's HTTP events, an HTTP client that gets a 500); 'hold' — it was told
 * already (Slack's Socket Mode events and slash commands), so the message is held in Postgres until Redis is back;
 * 'wait' — it never delivers again (Discord, the terminal), so the adapter waits for Redis.
 */
export type IfRedisDown = 'fail' | 'hold' | 'wait';

/** What a platform says about a message, as its adapter reads it: the facts the core decides on. */
export interface Arrival {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  /**
   * The thread the conversation lives in: the one the message was written in or, for a mention outside any thread,
   * the one its answer will open (Slack: the message's ts; Discord: the message's id). Undefined: answered in place.
   */
  threadId?: string;
  /** Written as a reply in a thread, rather than at the top of a channel. */
  inThread: boolean;
  isDm: boolean;
  mentionsBot: boolean;
  /** Written by a bot (Xiaoliu itself included) or by the platform (a notice, a webhook): never answered. */
  fromBot: boolean;
  /** The platform's setting (SLACK_REPLY_MODE, DISCORD_REPLY_MODE). */
  replyMode: ReplyMode;
}

/** How a message came in: when (performance.now(), for the ack metric), and what to do while Redis is away. */
export interface Receipt {
  receivedAt: number;
  ifRedisDown: IfRedisDown;
}

/** What a slash command needs of its platform, in the order the core calls on it. */
export interface CommandSteps {
  /**
   * Tells the person who asked, and only them, that Xiaoliu does not answer here (an ephemeral reply); called instead
   * of every step below, so nothing is posted, opened or stored for a place outside the allow-lists.
   */
  refuse(text: string): Promise<unknown>;
  /** Acknowledges the command, where the platform has not yet (Discord's deferral); its failure is the adapter's. */
  acknowledge?(): Promise<unknown>;
  /**
   * Makes the place the answer goes (Slack posts the question and answers under it; Discord keeps the interaction's
   * token for the worker) and returns the message to queue; undefined when the platform has told the user why not.
   */
  open(): Promise<InboundMessage | undefined>;
  /** Tells the person who asked, and only them, that the request was not taken. */
  apologize(text: string): Promise<unknown>;
  /** Removes a credential an error may quote (Discord's interaction token) before it is logged. */
  scrub?(error: unknown): unknown;
}

/** What the person who asked reads when their request could not be queued. */
export const APOLOGY = 'Sorry, I could not take that request right now. Please try again.';

/** What someone outside the allow-lists reads, once per message they address to Xiaoliu; never an answer. */
export const NOT_ALLOWED =
  "Sorry, I'm not set up to answer here. If you think I should be, ask whoever runs Xiaoliu for your team to add this channel.";
/** The same, in a DM on a platform where DMs are off (ALLOWED_DISCORD_DMS). */
export const DMS_NOT_ALLOWED = "Sorry, I'm not set up to answer direct messages. Ask me in a channel of your team's server.";

/**
 * The core's side of every adapter's ingress. Adapters verify and read platform events into facts (an Arrival) and
 * build the InboundMessage; everything a platform does not decide is here, once: the allow-lists (checked first, so
 * nothing is posted, opened, queued or stored for a place outside them), which messages Xiaoliu answers (mentions,
 * DMs, follow-ups in its threads), queueing with the right patience for the platform, holding messages while Redis
 * is away, the ack metric, the log line, and the apology when a command cannot be taken.
 */
export class Ingress {
  private readonly memberships = new Map<Platform, ThreadMembership>();
  private readonly held: HeldMessages;
  /** Every message people post in a channel, for the channel's knowledge index (none is queued for that). */
  readonly posts: PostIndexer;

  constructor(
    private readonly deps: {
      producer: InboundProducer;
      sql: Sql;
      log: Logger;
      metrics: Metrics;
      controls: ControlsConfig;
      /** Shows, on its platform, that a message no worker has taken yet is in line (none: nothing is shown). */
      herald?: Herald;
    },
  ) {
    this.held = new HeldMessages(deps.sql, deps.producer, deps.log);
    this.posts = new PostIndexer(deps);
  }

  /** Starts queueing messages held while Redis was away: any left by an earlier gateway, then as they are held. */
  start(): void {
    this.held.start();
  }

  /** Messages still held stay in Postgres: the next gateway to start queues them. */
  async stop(): Promise<void> {
    this.deps.herald?.close();
    await this.held.stop();
    await this.posts.settled();
  }

  /**
   * Whether Xiaoliu answers a message, and as what: a DM always; a mention always (and Xiaoliu is then part of the
   * thread); a reply in a thread only when Xiaoliu is part of it and follow-ups need no new mention. The thread is
   * marked before any await, so messages handled in delivery order see the mark of a mention ahead of them.
   */
  async decide(arrival: Arrival): Promise<InboundMessage['kind'] | undefined> {
    if (arrival.fromBot) return undefined;
    if (arrival.isDm) return 'dm';
    const threads = this.membership(arrival.platform);
    if (arrival.mentionsBot) {
      if (arrival.threadId) threads.summon(arrival.channelId, arrival.threadId);
      return 'mention';
    }
    if (!arrival.inThread || !arrival.threadId || arrival.replyMode === 'mentions') return undefined;
    return (await threads.isMember(arrival.workspaceId, arrival.channelId, arrival.threadId)) ? 'thread' : undefined;
  }

  /**
   * Takes a message Xiaoliu answers: decides, has the adapter build it (only then: building may cost lookups, or open
   * a thread), and queues it. False when the message is not for Xiaoliu. Throws when it cannot be queued (or held).
   * Outside the allow-lists nothing is built or queued; a message addressed to Xiaoliu (a mention, a DM) is refused
   * with `refuse`, the adapter's way of telling its author (Slack: an ephemeral message; Discord: a reply).
   */
  async take(
    arrival: Arrival,
    receipt: Receipt,
    build: (kind: InboundMessage['kind']) => InboundMessage | Promise<InboundMessage>,
    refuse?: (text: string) => Promise<unknown>,
  ): Promise<boolean> {
    if (!isAllowed(this.deps.controls, arrival)) {
      // Talk not addressed to Xiaoliu, in a place it does not serve, is none of its business: not even a log line.
      if (arrival.fromBot || !(arrival.isDm || arrival.mentionsBot) || !refuse) return false;
      // Best effort: a refusal that cannot be delivered must not make the platform deliver the message again.
      await refuse(this.refusal(arrival)).catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not deliver a refusal'));
      return false;
    }
    const kind = await this.decide(arrival);
    if (!kind) return false;
    await this.submit(await build(kind), receipt);
    return true;
  }

  /** Queues a message (or holds it, see IfRedisDown), then counts and logs it. */
  async submit(message: InboundMessage, receipt: Receipt): Promise<'queued' | 'held'> {
    let outcome: 'queued' | 'held' = 'queued';
    if (receipt.ifRedisDown === 'hold') outcome = await this.held.submit(message);
    else await this.deps.producer.enqueue(message, { patient: receipt.ifRedisDown === 'wait' });
    // A held message is not in the queue yet: its place there is unknown until Redis is back.
    if (outcome === 'queued') this.deps.herald?.watch(message);
    this.deps.metrics.ingressAck.observe({ platform: message.platform }, (performance.now() - receipt.receivedAt) / 1000);
    this.deps.log.debug({ platform: message.platform, deliveryId: message.id, kind: message.kind, outcome }, 'took a message');
    return outcome;
  }

  /**
   * A slash command from a place: refused (only its asker reads why) when the allow-lists do not admit the place;
   * otherwise acknowledged, the platform opens the place its answer goes, the thread is marked as Xiaoliu's, and the
   * command is queued. When that fails, the log says what to check and the person who asked reads an apology rather
   * than waiting for an answer that will not come.
   */
  async command(place: Place, receipt: Receipt, steps: CommandSteps): Promise<void> {
    if (!isAllowed(this.deps.controls, place)) {
      await steps.refuse(this.refusal(place));
      return;
    }
    await steps.acknowledge?.();
    try {
      const message = await steps.open();
      if (!message) return;
      const { channelId, threadId } = message.address;
      if (threadId) this.membership(message.platform).summon(channelId, threadId);
      await this.submit(message, receipt);
    } catch (error) {
      const check = receipt.ifRedisDown === 'hold' ? 'are Redis (REDIS_URL) and Postgres (DATABASE_URL) reachable?' : 'is Redis reachable at REDIS_URL?';
      this.deps.log.error({ err: steps.scrub ? steps.scrub(error) : error }, `could not queue a command: ${check}`);
      await steps.apologize(APOLOGY).catch(() => {});
    }
  }

  /**
   * Logs a refusal for the operator (where, never what was said) and returns what its asker reads: a DM refused by
   * its platform's DM setting says so; anything else was refused by the lists.
   */
  private refusal(place: Place): string {
    const { platform, workspaceId, channelId, isDm } = place;
    this.deps.log.info({ platform, workspace: workspaceId, channel: channelId, isDm }, 'refused: not on the allow-lists (ALLOWED_*)');
    return isDm && this.deps.controls.dms[platform] === false ? DMS_NOT_ALLOWED : NOT_ALLOWED;
  }

  private membership(platform: Platform): ThreadMembership {
    let threads = this.memberships.get(platform);
    if (!threads) this.memberships.set(platform, (threads = new ThreadMembership(this.deps.sql, platform)));
    return threads;
  }
}
