import type { ClaudeClient } from '../claude/claude-client.js';
import type { Config } from '../config/read-config.js';
import type { Egress } from '../domain/egress.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { ReplyWriter } from '../render/reply-writer.js';
import type { Conversation } from '../store/conversations.js';
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
  claude: ClaudeClient;
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Aborted when the worker shuts down; long calls should pass it on. */
  signal: AbortSignal;
  /** Every command the router knows, for `help`. */
  commands: readonly Command[];
}

/** One thing Xiaoliu can do. Each lives in a file of its own under src/commands/. */
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
