import type { Redis } from 'ioredis';
import type { ClaudeClient } from '../claude/claude-client.js';
import type { Command, CommandContext, LimitGuard } from '../commands/command.js';
import type { Config } from '../config/read-config.js';
import type { Egress } from '../domain/egress.js';
import type { Platform } from '../domain/inbound-message.js';
import type { Logger } from '../log/create-logger.js';
import type { Sql } from '../store/database.js';

/**
 * A skill: a command an admin can turn off per channel (`config skills`), which plain words can invoke and chat's
 * model can hand a request to. Each lives in src/skills/<name>/ and is registered in all-skills.ts. The optional hooks
 * are how a skill takes part in what chat, `reset` and the worker processes do, without any of them naming it.
 */
export interface Skill extends Command {
  /** What it does, as the description of the tool Claude may call to hand a request to it. */
  toolDescription: string;
  /**
   * Phrases that invoke it from inside ordinary text, in Chinese and English ("生成文档", "write a doc"); the whole
   * text becomes its args. Explicit command words win over triggers.
   */
  triggers?: RegExp[];
  /**
   * A message chat is about to answer, in a thread where the skill may be awaiting a reply (parallel: a run waiting
   * for its asker's yes). Chat calls this with every message, alongside its own first reads, so it should only read;
   * it resolves to what answers the message (run once the message is stored), or undefined when the skill awaits
   * nothing here. That answer returns true when it answered the message; false leaves the message to chat. (A thread
   * a skill owns outright, as doc's after it wrote a document, never reaches chat: see follow-up-route.ts.)
   */
  claimFollowUp?(context: CommandContext): Promise<(() => Promise<boolean>) | undefined>;
  /**
   * `reset` in a thread: stop what the skill still does there. Resolves to what was stopped, phrased to follow
   * "I've forgotten what was said here before and …", or undefined when there was nothing.
   */
  onReset?(context: CommandContext): Promise<string | undefined>;
  /** Starts the workers of the skill's own queues; called once in every process with the worker role. */
  startWorkers?(deps: SkillWorkerDeps): SkillWorkers;
  /**
   * Deletion reaches what the skill keeps in Redis (`forget me`, DELETE /v1/conversations/:id): delete it for these
   * deliveries, and in these conversations (only what `authorId` asked for, when given).
   */
  forget?(deps: SkillStoreDeps, target: ForgetTarget): Promise<void>;
  /** Data retention: deletes what the skill keeps in Redis that was last changed before `cutoffMs`; returns how many. */
  expire?(deps: SkillStoreDeps, cutoffMs: number): Promise<number>;
}

/** What a skill's deletion hooks work with. */
export interface SkillStoreDeps {
  redis: Redis;
  /** The deployment's Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  log: Logger;
}

/** What is being deleted: deliveries (messages) and conversations. */
export interface ForgetTarget {
  deliveryIds: readonly string[];
  /** Postgres conversation ids. */
  conversationIds: readonly number[];
  /** Only what this person asked for (`forget me`); undefined: everything there (a deleted conversation). */
  authorId?: string;
}

/** What a skill's workers get, built once per worker process in the composition root. */
export interface SkillWorkerDeps {
  sql: Sql;
  redis: Redis;
  prefix: string;
  /** Every platform this worker can post to: a skill's jobs answer on the platform they were asked on. */
  egress: ReadonlyMap<Platform, Egress>;
  claude: ClaudeClient;
  /** Budgets: each of a skill's own model calls holds its worst case first, as a command's do. */
  limits: LimitGuard;
  config: Config;
  log: Logger;
}

/** A skill's running workers. */
export interface SkillWorkers {
  /** Stops taking jobs, waits up to `timeoutMs` for those in flight, then hands the rest back to the queue. */
  close(timeoutMs: number): Promise<void>;
}

/** Whether a command the router knows is a skill (every skill can be handed requests, so it has a tool description). */
export function isSkill(command: Command): command is Skill {
  return typeof (command as Partial<Skill>).toolDescription === 'string';
}
