import type { Redis } from 'ioredis';
import type { ClaudeClient } from '../claude/claude-client.js';
import type { Config } from '../config/read-config.js';
import type { Egress } from '../domain/egress.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { ReplyWriter } from '../render/reply-writer.js';
import type { SettingsInForce } from '../domain/channel-settings.js';
import type { Conversation, NewMessage } from '../store/conversations.js';
import type { Sql } from '../store/database.js';

/** What a command gets to work with for one message. */
export interface CommandContext {
  message: InboundMessage;
  /** The text after the command word (the whole text for chat). */
  args: string;
  /**
   * Set when Claude handed the request to this command (a skill): `args` is then Claude's restatement, not the
   * asker's own words, and must not be taken as the asker's decision (a `--yes`).
   */
  handedOver?: boolean;
  conversation: Conversation;
  /** Whether this message started the conversation (first time Xiaoliu is summoned into the thread). */
  conversationIsNew: boolean;
  /** The platform the answer goes to, for capabilities beyond the reply (uploads, reading a thread). */
  egress: Egress;
  /** Posts and edits the answer in the message's thread, exactly once per part. */
  reply: ReplyWriter;
  /** When the message was queued (epoch ms), to measure the pipeline's own overhead. */
  queuedAt: number;
  sql: Sql;
  /** The shared Redis connection (keys under config.queuePrefix), for skills that keep state across jobs (parallel). */
  redis: Redis;
  claude: ClaudeClient;
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Aborted when the worker shuts down; long calls should pass it on. */
  signal: AbortSignal;
  /** Every command the router knows, for `help`. */
  commands: readonly Command[];
  /** How this channel wants Xiaoliu to behave (persona, model, enabled skills, budget), set by its admins. */
  settings: SettingsInForce;
  /** Whether the asker is an admin (may change settings, see team usage). */
  isAdmin: boolean;
  /** Budgets and rate limits, checked before every model call (src/budget/). */
  limits: LimitGuard;
  /** What the turn leaves to be written with its end (shared by reference when a skill takes over from chat). */
  outcome: TurnOutcome;
}

/**
 * Written when the delivery is marked answered, in the same statement: one round trip, and never an answer stored
 * for a delivery still open (which a retry would take for answered) or the reverse.
 */
export interface TurnOutcome {
  /** Xiaoliu's answer as the thread's history keeps it (saveAnswerText). */
  answer?: NewMessage;
}

/**
 * Budgets and rate limits (src/budget/). Every refusal is a UserFacingError that names the limit and its reset.
 */
export interface LimitGuard {
  /** The per-minute limits and whether anything of the daily budgets is left, holding nothing (a run's launch). */
  check(context: CommandContext): Promise<void>;
  /** The per-minute limits, counted once per request however many calls it makes. */
  checkRate(context: CommandContext): Promise<void>;
  /**
   * Holds one model call's worst case against the payer's daily budgets, shared by every worker, or refuses when
   * nothing of a budget is left; the caller records the call's cost, then releases. `worst` is only worked out when
   * a daily limit applies.
   */
  reserve(payer: Payer, worst: () => { usd: number; tokens: number }, log: Logger): Promise<Reservation>;
}

/** Whom a model call is charged to, and the channel's own budget ceiling (`config budget`), if any. */
export interface Payer {
  platform: string;
  workspaceId: string;
  channelId: string;
  userId: string;
  channelBudgetUsd: number | null;
}

/** A call's hold on the daily budgets, dropped once its cost is recorded (or lapsing, if its worker dies). */
export interface Reservation {
  release(): Promise<void>;
  /** Stops renewing the hold without dropping it: it lapses on its own (the call's cost could not be recorded). */
  lapse(): void;
}

/**
 * One thing Xiaoliu can do. The commands every channel has live in src/commands/, a file each; skills (a Command with
 * more, see src/skills/skill.ts) in src/skills/<name>/.
 */
export interface Command {
  /** The word that invokes it (`help`, `reset`, `doc`); also its Discord/Slack subcommand name. */
  name: string;
  /** Other words that invoke it, including the Chinese ones people type. */
  aliases?: string[];
  /** One line for `help`. */
  summary: string;
  /** An example invocation for `help`. */
  example: string;
  /**
   * Whether it takes text after its name. A command that does not (`reset`) is only invoked by its name alone, so
   * "reset my password?" is a question for chat, not a reset.
   */
  takesArgs: boolean;
  run(context: CommandContext): Promise<void>;
}
