import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  bigserial,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** One conversation per platform thread. `resetAt` is set by `reset`: messages before it are no longer context. */
export const conversations = pgTable(
  'conversations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** '-' for conversations that are not in a thread (the key must be non-null to be unique). */
    threadId: text('thread_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resetAt: timestamp('reset_at', { withTimezone: true }),
    /** A skill that owns the thread's follow-ups ('doc': they revise its document); null: follow-ups are chat. */
    activeSkill: text('active_skill'),
  },
  (t) => [uniqueIndex('conversations_key').on(t.platform, t.workspaceId, t.channelId, t.threadId)],
);

/** What was said: user questions and Xiaoliu's answers, in order. */
export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: bigint('conversation_id', { mode: 'number' })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** The inbound delivery this message belongs to: the question itself, or the answer to it. */
    deliveryId: text('delivery_id').notNull(),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    text: text('text').notNull(),
    /** Tokens this message costs as context: measured for answers, estimated for questions. */
    tokens: integer('tokens').notNull(),
    /** The web pages an answer cites or read (`{ url, title }[]`), shown with it; null when it used none. */
    sources: jsonb('sources'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_conversation').on(t.conversationId, t.id),
    // One question and one answer per delivery, so a retried job cannot store either twice.
    uniqueIndex('messages_delivery_role').on(t.deliveryId, t.role),
  ],
);

/** Every inbound delivery the workers have seen; the dedupe key of the whole pipeline. */
export const inboundDeliveries = pgTable('inbound_deliveries', {
  id: text('id').primaryKey(),
  conversationId: bigint('conversation_id', { mode: 'number' }).references(() => conversations.id, { onDelete: 'set null' }),
  /**
   * 'processing' until the answer is fully posted, then 'answered' (or 'failed' after the last attempt); 'deleted'
   * when its conversation was deleted (DELETE /v1/conversations/:id), which no attempt may answer or recreate.
   */
  status: text('status', { enum: ['processing', 'answered', 'failed', 'deleted'] }).notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/** The platform messages posted for each delivery, by part, so a retry edits them instead of posting again. */
export const replies = pgTable(
  'replies',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => inboundDeliveries.id, { onDelete: 'cascade' }),
    part: integer('part').notNull(),
    platform: text('platform').notNull(),
    messageId: text('message_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.part] })],
);

/** One row per model call: what it cost. Kept without message text, so it survives data retention. */
export const usage = pgTable(
  'usage',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id').notNull(),
    conversationId: bigint('conversation_id', { mode: 'number' }),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    userId: text('user_id').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    /** Of the input, what attached files were estimated to take (src/attachments/): `usage` shows it. */
    attachmentTokens: integer('attachment_tokens').notNull().default(0),
    /** Web searches the call ran (billed per search, in cost_usd) and pages it fetched (tokens only). */
    webSearches: integer('web_searches').notNull().default(0),
    webFetches: integer('web_fetches').notNull().default(0),
    costUsd: numeric('cost_usd', { precision: 12, scale: 6 }).notNull().default(sql`0`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('usage_user_time').on(t.platform, t.userId, t.createdAt),
    // Budgets sum a day of a channel's and a workspace's usage before every call.
    index('usage_channel_time').on(t.platform, t.workspaceId, t.channelId, t.createdAt),
    index('usage_workspace_time').on(t.platform, t.workspaceId, t.createdAt),
  ],
);

/** Raw bytes (drizzle has no built-in bytea); postgres.js reads and writes them as Buffers. */
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** HTTP API keys. Only the SHA-256 of a key is kept; the key itself is shown once, when created. */
export const apiKeys = pgTable('api_keys', {
  /** Public id, for `npm run apikey -- list|revoke`; also the key's visible prefix. */
  id: text('id').primaryKey(),
  keyHash: text('key_hash').notNull().unique(),
  /** The user the key acts as: conversations, usage and budgets belong to this id. */
  userId: text('user_id').notNull(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** Files an answer attached over the HTTP API (answer.md, skill output), downloadable by their user only. */
export const httpFiles = pgTable(
  'http_files',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    /** The API's conversation id (the conversation's thread id), so forgetting a conversation forgets its files. */
    conversationId: text('conversation_id').notNull(),
    deliveryId: text('delivery_id').notNull(),
    filename: text('filename').notNull(),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    data: bytea('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('http_files_conversation').on(t.userId, t.conversationId)],
);

/**
 * Roles given in chat (`role @someone admin`), each in the workspace it was given in: an admin of one Slack workspace
 * or Discord server is a member everywhere else. The deployment's operators come from XIAOLIU_ADMINS and need no row.
 */
export const userRoles = pgTable(
  'user_roles',
  {
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role', { enum: ['admin', 'member'] }).notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.workspaceId, t.userId] })],
);

/**
 * Per-channel settings, one row per version: a change adds a version with who made it, and a rollback adds a version
 * that copies an earlier one, so the history is never rewritten. The newest version is in force.
 */
export const channelSettings = pgTable(
  'channel_settings',
  {
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    version: integer('version').notNull(),
    /** The whole ChannelSettings object after the change (src/domain/channel-settings.ts). */
    settings: jsonb('settings').notNull(),
    /** What changed, for `config history` ("model → claude-haiku-4-5", "rollback to v2"). */
    change: text('change').notNull(),
    changedBy: text('changed_by').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.workspaceId, t.channelId, t.version] })],
);

/**
 * Messages a gateway took from a platform that will not deliver them again (Slack in Socket Mode acknowledges before
 * Xiaoliu can queue) while Redis was unreachable: held here, in order, until they are queued, so neither the outage
 * nor a gateway dying during it loses them (src/ingress/held-messages.ts).
 */
export const heldMessages = pgTable(
  'held_messages',
  {
    /** The delivery id: a platform's redelivery, or a second gateway, holds it once. */
    id: text('id').primaryKey(),
    /** The normalized InboundMessage, as it will be queued. */
    message: jsonb('message').notNull(),
    heldAt: timestamp('held_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Set when Redis answered but refused to queue it (out of memory, a read-only replica, a bad key): set aside so
     * the messages after it go on, and tried again later; `error` says what Redis said.
     */
    setAsideAt: timestamp('set_aside_at', { withTimezone: true }),
    error: text('error'),
  },
  (t) => [index('held_messages_held_at').on(t.heldAt)],
);

/**
 * Every admin action (settings, roles, budgets, rollbacks, `forget me`, API keys): who, when, where and what, in a
 * short secret-free detail (never a persona's text or a key, only that it changed). Kept under AUDIT_RETENTION_DAYS,
 * apart from message retention, and not removed by `forget me`: an admin's actions stay accountable.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Where: the platform, workspace (Slack team, Discord server) and channel the action was taken in or for. */
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** '-' where the action is not tied to a channel. */
    channelId: text('channel_id').notNull(),
    /** Who: the platform of the actor (`cli` for the command line) and their id and name there. */
    actorPlatform: text('actor_platform').notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    /** What: `config.prompt`, `config.rollback`, `role.grant`, `forget-me`, `apikey.create`, … */
    action: text('action').notNull(),
    /** Whom or what it was done to (a user id, a key id), if anyone. */
    target: text('target'),
    /** A short, secret-free description ("persona changed (52 characters, fingerprint 3fa1b2c4)"). */
    detail: text('detail').notNull(),
    /** The chat message that did it: a retried job records its action once (null from the command line). */
    deliveryId: text('delivery_id').unique(),
  },
  (t) => [index('audit_log_workspace_time').on(t.platform, t.workspaceId, t.at)],
);

/**
 * Recurring prompts (`schedule every weekday at 9:00 Asia/Shanghai: …`), each posted in the channel it was made in.
 * Postgres is the record; the BullMQ job scheduler `schedule-<id>` (src/schedules/) only says when to fire, and is
 * rebuilt from these rows when a worker starts.
 */
export const schedules = pgTable(
  'schedules',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** Who made it: the prompt runs as them (their budget, their name in the thread). */
    createdById: text('created_by_id').notNull(),
    createdByName: text('created_by_name').notNull(),
    /** The time as written ("every weekday at 9:00"), its cron form and the IANA time zone it is read in. */
    spec: text('spec').notNull(),
    cron: text('cron').notNull(),
    timeZone: text('time_zone').notNull(),
    prompt: text('prompt').notNull(),
    status: text('status', { enum: ['active', 'paused'] }).notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** The chat message that made it: a retried job makes it once. */
    deliveryId: text('delivery_id').notNull().unique(),
  },
  (t) => [index('schedules_channel').on(t.platform, t.workspaceId, t.channelId)],
);

/**
 * One row per fire of a schedule: its delivery id is `schedule-<id>-<fire time>`, the same for every worker and every
 * retry, so inbound_deliveries' primary key lets exactly one of them post. Its outcome is that delivery's status.
 */
export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    scheduleId: bigint('schedule_id', { mode: 'number' })
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    fireAt: timestamp('fire_at', { withTimezone: true }).notNull(),
    deliveryId: text('delivery_id').notNull(),
    /** Set when the fire was not queued (the schedule was paused, or its author may no longer schedule). */
    skipped: text('skipped'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.fireAt] })],
);

/**
 * Facts people told Xiaoliu to keep (`remember …`): a channel's, given to every new thread in that channel, or a
 * person's (`remember for me …`), given to every new thread that person starts in that workspace.
 */
export const memories = pgTable(
  'memories',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** The channel it was told in (and, for a channel memory, the one it belongs to). */
    channelId: text('channel_id').notNull(),
    scope: text('scope', { enum: ['channel', 'person'] }).notNull(),
    /** Who told it; a personal memory belongs to them. */
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveryId: text('delivery_id').notNull().unique(),
  },
  (t) => [index('memories_channel').on(t.platform, t.workspaceId, t.channelId), index('memories_author').on(t.platform, t.authorId)],
);

/** Postgres full-text vectors (drizzle has no built-in tsvector). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The search index of channels with `config knowledge on`: one entry per stored message, filled by a trigger on
 * messages (migration 0010), pointing at the message itself. The text is not copied: deleting a message (forget me,
 * a deleted conversation, retention) deletes its entry with it. `tsv` is xiaoliu_search_vector(text): words as they
 * are, CJK runs as overlapping bigrams (see the README's *Knowledge*).
 */
export const knowledgeEntries = pgTable(
  'knowledge_entries',
  {
    messageId: bigint('message_id', { mode: 'number' })
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    threadId: text('thread_id').notNull(),
    /** The platform's id of the message (Slack ts, Discord snowflake), for its permalink, where known. */
    platformMessageId: text('platform_message_id'),
    tsv: tsvector('tsv').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('knowledge_entries_tsv').using('gin', t.tsv),
    index('knowledge_entries_channel').on(t.platform, t.workspaceId, t.channelId),
  ],
);

/**
 * Every message people post in a channel with `config knowledge on`, whether or not it is for Xiaoliu, as the gateway
 * hears it (Slack's message.channels / message.groups events, Discord's MESSAGE_CREATE) or as the backfill reads it
 * when knowledge is turned on (migration 0011). Unlike knowledge_entries the text is kept here (there is no stored
 * message to point at): an edit on the platform replaces it, a deletion deletes the row, and `forget me`, retention
 * and `config knowledge off` delete rows too (src/knowledge/channel-posts.ts).
 */
export const channelPosts = pgTable(
  'channel_posts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** The channel (a Discord thread's parent): the unit knowledge is turned on for. */
    channelId: text('channel_id').notNull(),
    /** The thread it was written in (Slack: thread_ts, else its own ts; Discord: the thread's id, else '-'). */
    threadId: text('thread_id').notNull(),
    /** The platform's id of the message (Slack ts, Discord snowflake): what edits and deletions name. */
    messageId: text('message_id').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    /** Posted by another bot or an integration (deploy notices, alerts); Xiaoliu's own posts are never here. */
    fromBot: boolean('from_bot').notNull().default(false),
    text: text('text').notNull(),
    /** xiaoliu_search_vector(text) and the channel's lexeme, as in knowledge_entries. */
    tsv: tsvector('tsv').notNull(),
    postedAt: timestamp('posted_at', { withTimezone: true }).notNull(),
    indexedAt: timestamp('indexed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('channel_posts_message').on(t.platform, t.workspaceId, t.channelId, t.messageId),
    index('channel_posts_tsv').using('gin', t.tsv),
    index('channel_posts_author').on(t.platform, t.authorId),
  ],
);

/**
 * Every answer that carries controls (Stop, Regenerate, feedback), keyed by its own delivery id: what a button on the
 * answer acts on, kept in Postgres so buttons on answers from before a restart still work. A regenerated answer has a
 * row of its own (`<question>#r<n>`) and replaces the one it regenerates (state 'replaced'), so a double click
 * regenerates once: only the click that moves the row out of 'done' or 'stopped' asks again.
 */
export const answers = pgTable(
  'answers',
  {
    deliveryId: text('delivery_id').primaryKey(),
    /** The delivery whose question this answers: its own id, or for a regenerated answer the original's. */
    questionId: text('question_id').notNull(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** The ReplyAddress the answer was posted at, so a regeneration answers in the same place. */
    address: jsonb('address').notNull(),
    askerId: text('asker_id').notNull(),
    askerName: text('asker_name').notNull(),
    /** The question's kind and platform message id, so a regeneration reads the same thread up to the same point. */
    kind: text('kind').notNull(),
    messageId: text('message_id'),
    /** The question as the router got it (for Regenerate); removed with the conversation by `forget me`/retention. */
    question: text('question').notNull(),
    model: text('model').notNull(),
    /** The command or skill that answered ('ask', 'doc', 'summarize', …). */
    skill: text('skill').notNull(),
    /** The channel's settings version in force (0: the defaults), so feedback can be compared across prompt changes. */
    settingsVersion: integer('settings_version').notNull(),
    state: text('state', { enum: ['streaming', 'done', 'stopped', 'replaced'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** A fact Claude suggested remembering with this answer (suggest_memory): what its "Remember this" button keeps. */
    suggestedMemory: text('suggested_memory'),
  },
  (t) => [index('answers_question').on(t.questionId), index('answers_workspace_time').on(t.platform, t.workspaceId, t.createdAt)],
);

/**
 * 👍 / 👎 on an answer, one per person and answer (a second click changes it), with what it was given on: the
 * model, the skill and the channel's settings version, copied from the answer so `usage feedback` groups without joins
 * and keeps working once the answer's text is gone.
 */
export const answerFeedback = pgTable(
  'answer_feedback',
  {
    answerId: text('answer_id').notNull(),
    userId: text('user_id').notNull(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    rating: text('rating', { enum: ['good', 'bad'] }).notNull(),
    /** The optional short reason (a modal on Slack and Discord, a prompt in the console). */
    reason: text('reason'),
    model: text('model').notNull(),
    skill: text('skill').notNull(),
    settingsVersion: integer('settings_version').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.answerId, t.userId] }), index('answer_feedback_workspace_time').on(t.platform, t.workspaceId, t.at)],
);

/**
 * Files attached to messages, as the model reads them (images scaled down, PDFs as they came, Office documents and
 * text as text), so a follow-up in the thread still sees them. They belong to the message (its delivery id) and go
 * with it: `reset`, retention (RETENTION_DAYS) and `forget me` delete them like messages.
 */
export const attachments = pgTable(
  'attachments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: bigint('conversation_id', { mode: 'number' })
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** The message the file came with (its question's delivery id, or a thread's earlier message's). */
    deliveryId: text('delivery_id').notNull(),
    /** Its place among the message's files, so a retried job stores none twice. */
    position: integer('position').notNull(),
    /** Who attached it, for `forget me`. */
    authorId: text('author_id').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['image', 'document', 'text'] }).notNull(),
    mediaType: text('media_type').notNull(),
    data: bytea('data').notNull(),
    tokens: integer('tokens').notNull(),
    pages: integer('pages').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('attachments_conversation').on(t.conversationId, t.id), uniqueIndex('attachments_delivery_position').on(t.deliveryId, t.position)],
);

/**
 * Files sent to the HTTP API or attached in the terminal (`/attach`), held until the worker reads them: they have no
 * platform file host to be fetched from, so the message carries `xiaoliu-upload:<id>` instead, readable by its own
 * user only. Deleted with retention and `forget me`.
 */
export const uploads = pgTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    data: bytea('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('uploads_user').on(t.platform, t.userId)],
);

/**
 * MCP servers an admin registered in a workspace (`mcp add`): a URL (Streamable HTTP) or a local command (stdio,
 * only where the operator allows it). Credentials are sealed with MCP_SECRET_KEY (AES-256-GCM, src/mcp/secret-box.ts)
 * and never read back to anyone: only their header names are shown.
 */
export const mcpServers = pgTable(
  'mcp_servers',
  {
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    name: text('name').notNull(),
    transport: text('transport', { enum: ['http', 'stdio'] }).notNull(),
    url: text('url'),
    command: text('command'),
    /** The names of the headers sent (Authorization, …), for `mcp list`; their values only in `headersSealed`. */
    headerNames: jsonb('header_names').notNull().default([]),
    /** base64 of iv | tag | ciphertext of the headers' JSON; null when the server takes none. */
    headersSealed: text('headers_sealed'),
    /** An admin's verdict per tool (`mcp mark`): 'readonly' runs without asking, 'approve' always asks. */
    toolMarks: jsonb('tool_marks').notNull().default({}),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.workspaceId, t.name] })],
);

/**
 * A side-effecting tool call waiting for its asker's Approve (src/tools/tool-approval.ts). The row holds the turn so
 * far (the conversation up to and with the assistant's tool_use) so the click can resume it on any worker, after any
 * restart; `state` moves forward only by conditional updates, so a double click or a click racing the timeout acts once.
 */
export const toolApprovals = pgTable(
  'tool_approvals',
  {
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** The delivery whose answer asked for the call; the resumed answer is `<it>#approval-<id>`. */
    deliveryId: text('delivery_id').notNull(),
    /** The asker's message as queued, to queue its continuation with the same address and asker. */
    message: jsonb('message').notNull(),
    askerId: text('asker_id').notNull(),
    server: text('server').notNull(),
    tool: text('tool').notNull(),
    toolUseId: text('tool_use_id').notNull(),
    input: jsonb('input').notNull(),
    /** The loop's state: system prompt, messages, the assistant turn, the results of its other calls, the step. */
    turn: jsonb('turn').notNull(),
    state: text('state', { enum: ['pending', 'approved', 'denied', 'expired', 'running', 'done'] }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** The message with the Approve / Deny buttons, edited once decided. */
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('tool_approvals_workspace').on(t.platform, t.workspaceId, t.createdAt)],
);

/**
 * Every tool call a turn made (MCP tools; the arguments only as a SHA-256 digest), for `audit tools`. One row per
 * call: a retried job that makes the call again records it under the same (delivery, tool_use) once.
 */
export const toolCalls = pgTable(
  'tool_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    channelId: text('channel_id').notNull(),
    userId: text('user_id').notNull(),
    userName: text('user_name').notNull(),
    deliveryId: text('delivery_id').notNull(),
    toolUseId: text('tool_use_id').notNull(),
    server: text('server').notNull(),
    tool: text('tool').notNull(),
    argsSha256: text('args_sha256').notNull(),
    resultChars: integer('result_chars').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** ok, error, timeout, denied, expired, interrupted. */
    outcome: text('outcome').notNull(),
    approvedBy: text('approved_by'),
  },
  (t) => [
    uniqueIndex('tool_calls_once').on(t.deliveryId, t.toolUseId),
    index('tool_calls_workspace_time').on(t.platform, t.workspaceId, t.at),
  ],
);

/**
 * A person signed in to the admin console through OpenID Connect: one row per identity provider (issuer) and subject.
 * Failed link-code attempts are counted here, per person, so a new session does not reset the count.
 */
export const consoleAccounts = pgTable(
  'console_accounts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    linkFailures: integer('link_failures').notNull().default(0),
    linkFailuresSince: timestamp('link_failures_since', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    signedInAt: timestamp('signed_in_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('console_accounts_issuer_subject').on(t.issuer, t.subject)],
);

/** A console sign-in: only a hash of the cookie's random id is stored, with the session's CSRF token and expiry. */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => consoleAccounts.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('console_sessions_account').on(t.accountId)],
);

/** A console person's chat identity in one workspace, proved with a code Xiaoliu sent them there (`console link`). */
export const consoleLinks = pgTable(
  'console_links',
  {
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => consoleAccounts.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    userName: text('user_name').notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.platform, t.workspaceId] }), unique('console_links_chat_user').on(t.platform, t.workspaceId, t.userId)],
);

/** One-time link codes, hashed, one live code per chat user (a new one replaces it), deleted when used. */
export const consoleLinkCodes = pgTable(
  'console_link_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    userName: text('user_name').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('console_link_codes_chat_user').on(t.platform, t.workspaceId, t.userId)],
);
