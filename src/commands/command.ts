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

/** Refuses a model call that would go over a limit, with a UserFacingError that names the limit and its reset. */
export interface LimitGuard {
  check(context: CommandContext): Promise<void>;
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
