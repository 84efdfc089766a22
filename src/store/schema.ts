import { sql } from 'drizzle-orm';
import {
  bigint,
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
