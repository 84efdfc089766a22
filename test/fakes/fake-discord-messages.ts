// What every message-producing route shares: Discord's validation errors, storing, and the gateway echo.
import { ChannelType, MessageFlags } from 'discord.js';
import type { APIUser } from 'discord.js';
import type { FakeGateway } from './fake-discord-gateway.js';
import {
  Intent,
  isThread,
  snowflake,
  type ChannelRecord,
  type FakeWorld,
  type ReceivedFile,
  type StoredMessage,
} from './fake-discord-model.js';

/** A Discord JSON error: `{ message, code, errors? }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

export const unknownChannel = () => new ApiError(404, 10003, 'Unknown Channel');
export const unknownMessage = () => new ApiError(404, 10008, 'Unknown Message');

/** Discord's 50035 "Invalid Form Body" with one field error, e.g. content too long. */
export function formError(field: string, code: string, message: string): ApiError {
  return new ApiError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });
}

/** One REST request, after parsing, as route handlers see it. */
export interface RestRequest {
  method: string;
  /** Path below /api/v10. */
  path: string;
  params: string[];
  query: URLSearchParams;
  body: any;
  files: ReceivedFile[];
  /** Runs after the response is written: Discord's gateway echo usually trails the REST answer. */
  later(fn: () => void): void;
}

export interface RestResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Needs `Authorization: Bot <token>`; interaction callbacks and webhook-token routes carry none. */
  auth: boolean;
  handle(req: RestRequest): RestResult | Promise<RestResult>;
}

/** State and helpers the route modules share. */
export interface FakeContext {
  world: FakeWorld;
  gateway: FakeGateway;
  applicationId: string;
  echoOwnMessages: boolean;
  /** http://host:port — attachment URLs point here. */
  origin: string;
  typing: Map<string, number>;
  /**
   * Whether REST answers resolve a thread starter message's `referenced_message` (default true). Discord may leave
   * it out: "If the message is one of these but the referenced_message field is not present, the backend did not
   * attempt to fetch the message" (https://discord.com/developers/docs/resources/message#message-object, note 4).
   */
  resolveStarterReferences: boolean;
}

export const MAX_CONTENT = 2000;
const LOADING_FLAG = 1 << 7; // MessageFlags.Loading: a deferred interaction reply still "thinking"

export function channelOr404(ctx: FakeContext, id: string | undefined): ChannelRecord {
  const channel = id === undefined ? undefined : ctx.world.channel(id);
  if (!channel) throw unknownChannel();
  return channel;
}

/** Discord's checks on a message body that matter to a bot: length, emptiness, embed count. */
export function validateBody(body: Record<string, unknown>, files: ReceivedFile[], creating: boolean): void {
  if (typeof body.content === 'string' && [...body.content].length > MAX_CONTENT) {
    throw formError('content', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT} or fewer in length.`);
  }
  if (Array.isArray(body.embeds) && body.embeds.length > 10) {
    throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  }
  const hasSomething =
    (typeof body.content === 'string' && body.content.length > 0) ||
    (Array.isArray(body.embeds) && body.embeds.length > 0) ||
    (Array.isArray(body.components) && body.components.length > 0) ||
    (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) ||
    body.poll !== undefined ||
    files.length > 0;
  if (creating && !hasSomething) throw new ApiError(400, 50006, 'Cannot send an empty message');
}

function attachmentsFor(ctx: FakeContext, channelId: string, files: ReceivedFile[], body: Record<string, unknown>) {
  const described = Array.isArray(body.attachments) ? (body.attachments as { id?: unknown; description?: string }[]) : [];
  return files.map((f, index) => {
    const id = snowflake();
    const url = `${ctx.origin}/attachments/${channelId}/${id}/${encodeURIComponent(f.name)}`;
    const description = described.find((a) => String(a.id) === String(index))?.description;
    return {
      id,
      filename: f.name,
      size: f.data.length,
      url,
      proxy_url: url,
      content_type: f.contentType,
      ...(description ? { description } : {}),
    };
  });
}

/** Stores a new message in a channel and echoes MESSAGE_CREATE; `extra` adds type-specific fields. */
export function createMessage(
  ctx: FakeContext,
  req: Pick<RestRequest, 'later'> | null,
  channel: ChannelRecord,
  author: APIUser,
  body: Record<string, unknown>,
  files: ReceivedFile[],
  extra: Record<string, unknown> = {},
): StoredMessage {
  const message = ctx.world.buildMessage(channel, author, body, extra);
  (message as Record<string, unknown>).attachments = attachmentsFor(ctx, channel.id, files, body);
  const stored: StoredMessage = { message, allowedMentions: body.allowed_mentions, files, editCount: 0, deleted: false };
  ctx.world.stored(channel.id).push(stored);
  channel.last_message_id = message.id;
  if (isThread(channel)) {
    channel.message_count = Number(channel.message_count ?? 0) + 1;
    channel.total_message_sent = Number(channel.total_message_sent ?? 0) + 1;
  }
  const echo = () => dispatchMessage(ctx, 'MESSAGE_CREATE', stored);
  if (author.id !== ctx.world.bot.id) echo();
  else if (ctx.echoOwnMessages) req ? req.later(echo) : echo();
  return stored;
}

/** Applies an edit body (content, embeds, components, flags, kept attachments + new files) and echoes MESSAGE_UPDATE. */
export function editMessage(
  ctx: FakeContext,
  req: Pick<RestRequest, 'later'>,
  stored: StoredMessage,
  body: Record<string, unknown>,
  files: ReceivedFile[],
): StoredMessage {
  validateBody(body, files, false);
  const m = stored.message as Record<string, unknown>;
  for (const field of ['content', 'embeds', 'components']) {
    if (body[field] !== undefined) m[field] = body[field] ?? (field === 'content' ? '' : []);
  }
  if (typeof body.content === 'string') m.mentions = ctx.world.mentionedIn(body.content);
  // Only SUPPRESS_EMBEDS may be toggled on edit; an edit also ends the "thinking…" state of a deferred reply.
  const flags = Number(m.flags ?? 0) & ~LOADING_FLAG;
  const suppress = MessageFlags.SuppressEmbeds;
  m.flags = typeof body.flags === 'number' ? (flags & ~suppress) | (body.flags & suppress) : flags;
  if (Array.isArray(body.attachments) || files.length > 0) {
    const keep = new Set(((body.attachments as { id?: unknown }[] | undefined) ?? []).map((a) => String(a.id)));
    const old = (m.attachments as { id: string }[]).filter((a) => keep.has(a.id) || !Array.isArray(body.attachments));
    m.attachments = [...old, ...attachmentsFor(ctx, String(m.channel_id), files, body)];
    stored.files.push(...files);
  }
  if (body.allowed_mentions !== undefined) stored.allowedMentions = body.allowed_mentions;
  m.edited_timestamp = new Date().toISOString();
  stored.editCount++;
  if (ctx.echoOwnMessages) req.later(() => dispatchMessage(ctx, 'MESSAGE_UPDATE', stored));
  return stored;
}

/**
 * MESSAGE_CREATE / MESSAGE_UPDATE as the gateway sends them: guild messages need GUILD_MESSAGES, DMs
 * DIRECT_MESSAGES; without MESSAGE_CONTENT the content, embeds, attachments and components arrive empty unless the
 * message is a DM, mentions the bot, or is the bot's own. Ephemeral messages never reach the gateway.
 */
export function dispatchMessage(ctx: FakeContext, t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', stored: StoredMessage): void {
  const m = stored.message as Record<string, any>;
  if ((Number(m.flags ?? 0) & MessageFlags.Ephemeral) !== 0) return;
  const channel = ctx.world.channel(String(m.channel_id));
  if (!channel) return;
  const guildId = channel.guild_id;
  const botId = ctx.world.bot.id;
  const full: Record<string, unknown> = {
    ...m,
    channel_type: channel.type,
    ...(guildId
      ? {
          guild_id: guildId,
          member: ctx.world.member(guildId, m.author.id, false),
          mentions: (m.mentions as APIUser[]).map((u) => ({ ...u, member: ctx.world.member(guildId, u.id, false) })),
        }
      : {}),
  };
  const contentVisible =
    channel.type === ChannelType.DM || m.author.id === botId || (m.mentions as APIUser[]).some((u) => u.id === botId);
  ctx.gateway.dispatch(t, (intents) => {
    if (!(intents & (guildId ? Intent.GuildMessages : Intent.DirectMessages))) return undefined;
    if (intents & Intent.MessageContent || contentVisible) return full;
    return { ...full, content: '', embeds: [], attachments: [], components: [] };
  });
}
