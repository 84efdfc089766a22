// REST routes for the gateway URL, users, channels, messages, typing, reactions and threads.
import { ChannelType, MessageFlags, MessageType } from 'discord.js';
import {
  ApiError,
  channelOr404,
  createMessage,
  editMessage,
  formError,
  unknownMessage,
  validateBody,
  type FakeContext,
  type RestRequest,
  type Route,
} from './fake-discord-messages.js';
import { Intent, isThread, snowflake, type ChannelRecord, type StoredMessage } from './fake-discord-model.js';
import { dmChannelWith, threadChannel } from './fake-discord-payloads.js';

const ID = '(\\d+)';
const route = (method: string, path: string, handle: Route['handle'], auth = true): Route => ({
  method,
  pattern: new RegExp(`^${path.replaceAll(':id', ID)}$`),
  auth,
  handle,
});

const json = (body: unknown, status = 200) => ({ status, body });
const noContent = () => ({ status: 204 });

function messageOr404(ctx: FakeContext, channelId: string, messageId: string): StoredMessage {
  const stored = ctx.world.findMessage(channelId, messageId);
  if (!stored) throw unknownMessage();
  return stored;
}

const TEXT_TYPES: readonly number[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

/** A new thread: stored, joined by the bot, announced with THREAD_CREATE (a GUILDS-intent event). */
function startThread(ctx: FakeContext, req: RestRequest, parent: ChannelRecord, id: string, type: number): ChannelRecord {
  const name = req.body?.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
    throw formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  const archive = Number(req.body?.auto_archive_duration ?? parent.default_auto_archive_duration ?? 1440);
  const thread = threadChannel(id, parent, ctx.world.bot.id, name, archive, type);
  ctx.world.channels.set(id, thread);
  ctx.world.threadMembers.set(id, new Set([ctx.world.bot.id]));
  const member = { id, user_id: ctx.world.bot.id, join_timestamp: new Date().toISOString(), flags: 0 };
  const created = { ...thread, newly_created: true, member };
  req.later(() => ctx.gateway.dispatch('THREAD_CREATE', (intents) => (intents & Intent.Guilds ? created : undefined)));
  return { ...thread, member };
}

// Discord checks an enforced nonce against the author's messages of the past few minutes.
const NONCE_WINDOW_MS = 5 * 60_000;

/**
 * `enforce_nonce: true` with a nonce: a create that repeats one the bot already made (a retried request whose first
 * response was lost) returns that message instead of creating another. Nonces are at most 25 characters.
 */
function sameNonce(ctx: FakeContext, channel: ChannelRecord, body: Record<string, unknown>): StoredMessage | undefined {
  const nonce = body.nonce;
  if (nonce === undefined) return undefined;
  if (typeof nonce === 'string' ? nonce.length > 25 : !Number.isSafeInteger(nonce)) {
    throw formError('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  }
  if (body.enforce_nonce !== true) return undefined;
  const since = Date.now() - NONCE_WINDOW_MS;
  return ctx.world
    .stored(channel.id)
    .find((m) => !m.deleted && m.message.author.id === ctx.world.bot.id && m.message.nonce === nonce && Date.parse(m.message.timestamp) >= since);
}

export function channelRoutes(ctx: FakeContext, gatewayInfo: () => unknown): Route[] {
  const { world } = ctx;
  return [
    route('GET', '/gateway/bot', () => json(gatewayInfo())),
    route('GET', '/gateway', () => json({ url: (gatewayInfo() as { url: string }).url }), false),
    route('GET', '/users/@me', () => json(world.bot)),
    route('GET', '/users/:id', (req) => {
      const user = world.users.get(req.params[0]!);
      if (!user) throw new ApiError(404, 10013, 'Unknown User');
      return json(user);
    }),
    // user.send() / user.createDM(): one DM channel per recipient.
    route('POST', '/users/@me/channels', (req) => {
      const user = world.users.get(String(req.body?.recipient_id));
      if (!user) throw formError('recipient_id', 'NUMBER_TYPE_COERCE', 'Value is not a valid user.');
      return json(dmChannelWith(world, user));
    }),

    route('GET', '/channels/:id', (req) => json(channelOr404(ctx, req.params[0]))),

    route('GET', '/channels/:id/messages', (req) => {
      channelOr404(ctx, req.params[0]);
      const limit = Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 50)));
      const before = req.query.get('before');
      const after = req.query.get('after');
      let list = world.stored(req.params[0]!).filter((m) => !m.deleted).map((m) => m.message);
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit);
      // Discord answers newest first.
      return json(list.slice(-limit).reverse());
    }),
    route('GET', '/channels/:id/messages/:id', (req) => json(messageOr404(ctx, req.params[0]!, req.params[1]!).message)),

    route('POST', '/channels/:id/messages', (req) => {
      const channel = channelOr404(ctx, req.params[0]);
      if (!TEXT_TYPES.includes(channel.type) && channel.type !== ChannelType.DM && !isThread(channel)) {
        throw new ApiError(400, 50008, 'Cannot send messages in a non-text channel');
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      validateBody(body, req.files, true);
      const repeated = sameNonce(ctx, channel, body);
      if (repeated) return json(repeated.message);
      const extra: Record<string, unknown> = {};
      const ref = body.message_reference as { message_id?: string; fail_if_not_exists?: boolean } | undefined;
      if (ref?.message_id) {
        const target = world.findMessage(channel.id, ref.message_id);
        if (!target && ref.fail_if_not_exists !== false) {
          throw formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
        }
        if (target) {
          extra.type = MessageType.Reply;
          const { guild_id } = channel;
          extra.message_reference = { type: 0, message_id: target.message.id, channel_id: channel.id, guild_id };
          extra.referenced_message = target.message;
          // A reply pings its target unless allowed_mentions.replied_user is false; either way it is in `mentions`.
          const content = typeof body.content === 'string' ? body.content : '';
          const mentions = world.mentionedIn(content);
          if (!mentions.some((u) => u.id === target.message.author.id)) mentions.push(target.message.author);
          extra.mentions = mentions;
        }
      }
      return json(createMessage(ctx, req, channel, world.bot, body, req.files, extra).message);
    }),

    route('PATCH', '/channels/:id/messages/:id', (req) => {
      const stored = messageOr404(ctx, req.params[0]!, req.params[1]!);
      if (stored.message.author.id !== world.bot.id) {
        throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
      }
      return json(editMessage(ctx, req, stored, (req.body ?? {}) as Record<string, unknown>, req.files).message);
    }),

    route('DELETE', '/channels/:id/messages/:id', (req) => {
      const stored = messageOr404(ctx, req.params[0]!, req.params[1]!);
      stored.deleted = true;
      const channel = world.channel(req.params[0]!)!;
      const d = { id: stored.message.id, channel_id: channel.id, ...(channel.guild_id ? { guild_id: channel.guild_id } : {}) };
      const intent = channel.guild_id ? Intent.GuildMessages : Intent.DirectMessages;
      req.later(() => ctx.gateway.dispatch('MESSAGE_DELETE', (intents) => (intents & intent ? d : undefined)));
      return noContent();
    }),

    route('POST', '/channels/:id/typing', (req) => {
      channelOr404(ctx, req.params[0]);
      ctx.typing.set(req.params[0]!, (ctx.typing.get(req.params[0]!) ?? 0) + 1);
      return noContent();
    }),

    // message.react(): recorded in `calls`; the fake keeps no reaction state.
    route('PUT', '/channels/:id/messages/:id/reactions/([^/]+)/@me', (req) => {
      messageOr404(ctx, req.params[0]!, req.params[1]!);
      return noContent();
    }),
    route('DELETE', '/channels/:id/messages/:id/reactions/([^/]+)/@me', () => noContent()),

    // message.startThread(): the thread takes the starting message's id, as on Discord.
    route('POST', '/channels/:id/messages/:id/threads', (req) => {
      const parent = channelOr404(ctx, req.params[0]);
      if (!TEXT_TYPES.includes(parent.type)) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
      const starter = messageOr404(ctx, parent.id, req.params[1]!);
      if (world.channels.has(starter.message.id)) {
        throw new ApiError(400, 160004, 'A thread has already been created for this message');
      }
      const type = parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread;
      const thread = startThread(ctx, req, parent, starter.message.id, type);
      const m = starter.message as Record<string, unknown>;
      m.thread = { ...thread };
      m.flags = Number(m.flags ?? 0) | MessageFlags.HasThread;
      return json(thread, 201);
    }),
    // channel.threads.create() without a starting message.
    route('POST', '/channels/:id/threads', (req) => {
      const parent = channelOr404(ctx, req.params[0]);
      if (!TEXT_TYPES.includes(parent.type)) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
      const type = Number(req.body?.type ?? ChannelType.PrivateThread);
      if (![ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread].includes(type)) {
        throw formError('type', 'BASE_TYPE_CHOICES', 'Value must be one of {10, 11, 12}.');
      }
      return json(startThread(ctx, req, parent, snowflake(), type), 201);
    }),
    route('PUT', '/channels/:id/thread-members/@me', (req) => {
      const thread = channelOr404(ctx, req.params[0]);
      if (!isThread(thread)) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
      world.threadMembers.get(thread.id)?.add(world.bot.id) ?? world.threadMembers.set(thread.id, new Set([world.bot.id]));
      return noContent();
    }),
    route('DELETE', '/channels/:id/thread-members/@me', (req) => {
      const thread = channelOr404(ctx, req.params[0]);
      world.threadMembers.get(thread.id)?.delete(world.bot.id);
      return noContent();
    }),
  ];
}
