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

/** A new thread's name (1 to 100 characters, as Discord validates it) and auto-archive duration. */
export interface ThreadSpec {
  name: string;
  autoArchiveDuration?: number;
}

function threadSpecOf(req: RestRequest): ThreadSpec {
  const name = req.body?.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
    throw formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  const archive = req.body?.auto_archive_duration;
  return { name, ...(archive !== undefined ? { autoArchiveDuration: Number(archive) } : {}) };
}

/** A new thread: stored, joined by its creator, announced with THREAD_CREATE (a GUILDS-intent event). */
function startThread(ctx: FakeContext, later: Later, parent: ChannelRecord, id: string, type: number, spec: ThreadSpec, ownerId: string): ChannelRecord {
  const archive = spec.autoArchiveDuration ?? Number(parent.default_auto_archive_duration ?? 1440);
  const thread = threadChannel(id, parent, ownerId, spec.name, archive, type);
  ctx.world.channels.set(id, thread);
  ctx.world.threadMembers.set(id, new Set([ownerId]));
  // The thread member object comes only to the member it describes: here, when the bot opened the thread.
  const member = ownerId === ctx.world.bot.id ? { id, user_id: ownerId, join_timestamp: new Date().toISOString(), flags: 0 } : undefined;
  const created = { ...thread, newly_created: true, ...(member ? { member } : {}) };
  later(() => ctx.gateway.dispatch('THREAD_CREATE', (intents) => (intents & Intent.Guilds ? created : undefined)));
  return member ? { ...thread, member } : thread;
}

type Later = RestRequest['later'];

/**
 * A public thread started from a message, by the bot (REST) or by a person (the fake's startThreadFromMessage).
 * "The created thread and the message it was started from will share the same id"
 * (https://discord.com/developers/docs/topics/threads#public-and-private-threads), and the thread opens with a
 * THREAD_STARTER_MESSAGE (type 21) pointing back at that message (see starterMessage).
 */
export function threadFromMessage(ctx: FakeContext, later: Later, parent: ChannelRecord, messageId: string, spec: ThreadSpec, ownerId: string): ChannelRecord {
  if (!TEXT_TYPES.includes(parent.type)) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
  const starter = messageOr404(ctx, parent.id, messageId);
  if (ctx.world.channels.has(starter.message.id)) {
    throw new ApiError(400, 160004, 'A thread has already been created for this message');
  }
  const type = parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread;
  const thread = startThread(ctx, later, parent, starter.message.id, type, spec, ownerId);
  const m = starter.message as Record<string, unknown>;
  m.thread = { ...thread };
  m.flags = Number(m.flags ?? 0) | MessageFlags.HasThread;
  ctx.world.stored(thread.id).push(starterMessage(ctx, thread, starter));
  return thread;
}

/**
 * The first message of a thread started from a message (type 21, THREAD_STARTER_MESSAGE). Per
 * https://discord.com/developers/docs/resources/message#message-reference-content-attribution-thread-starter-messages
 * it has `message_id`, `channel_id` and `guild_id` in `message_reference`, pointing at the message in the parent
 * channel, and "will never have content, embeds, or attachments, mainly just the message_reference and
 * referenced_message fields"; it cannot be deleted (the `deletable` column of
 * https://discord.com/developers/docs/resources/message#message-object-message-types). A thread's `message_count`
 * does not include it ("not including the initial message",
 * https://discord.com/developers/docs/resources/channel#channel-object-channel-structure), and the fake does not
 * send it over the gateway. The docs do not say who its author is: the fake uses the original message's author, and
 * Xiaoliu reads the author from the referenced message instead.
 */
function starterMessage(ctx: FakeContext, thread: ChannelRecord, starter: StoredMessage): StoredMessage {
  const message_reference = { type: 0, message_id: starter.message.id, channel_id: thread.parent_id, guild_id: thread.guild_id };
  const message = ctx.world.buildMessage(thread, starter.message.author, {}, { type: MessageType.ThreadStarterMessage, mentions: [], message_reference });
  return { message, files: [], editCount: 0, deleted: false };
}

/**
 * A message as REST serves it. A thread starter's `referenced_message` is the original as it is now, null once it
 * was deleted ("If the field exists but is null, the referenced message was deleted",
 * https://discord.com/developers/docs/resources/message#message-object, note 4), or absent when the fake is told
 * to model a backend that did not fetch it.
 */
function served(ctx: FakeContext, message: StoredMessage['message']): StoredMessage['message'] {
  if (message.type !== MessageType.ThreadStarterMessage || !ctx.resolveStarterReferences) return message;
  const ref = message.message_reference!;
  const original = ctx.world.findMessage(ref.channel_id!, ref.message_id!);
  return { ...message, referenced_message: original ? original.message : null };
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

    // A server, its roles and a member, as the REST API serves them to a bot in the server
    // (https://discord.com/developers/docs/resources/guild#get-guild, #get-guild-roles, #get-guild-member): what a
    // member's permissions in a channel are computed from, with the channel's permission_overwrites.
    route('GET', '/guilds/:id', (req) => {
      const guild = world.guilds.get(req.params[0]!);
      if (!guild) throw new ApiError(404, 10004, 'Unknown Guild');
      return json({ id: guild.id, name: guild.name, owner_id: guild.ownerId, roles: guild.roles });
    }),
    route('GET', '/guilds/:id/roles', (req) => {
      const guild = world.guilds.get(req.params[0]!);
      if (!guild) throw new ApiError(404, 10004, 'Unknown Guild');
      return json(guild.roles);
    }),
    route('GET', '/guilds/:id/members/:id', (req) => {
      const guild = world.guilds.get(req.params[0]!);
      if (!guild) throw new ApiError(404, 10004, 'Unknown Guild');
      if (!world.users.has(req.params[1]!)) throw new ApiError(404, 10007, 'Unknown Member');
      return json(world.member(guild.id, req.params[1]!, true));
    }),

    route('GET', '/channels/:id/messages', (req) => {
      channelOr404(ctx, req.params[0]);
      const limit = Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 50)));
      const before = req.query.get('before');
      const after = req.query.get('after');
      let list = world.stored(req.params[0]!).filter((m) => !m.deleted).map((m) => m.message);
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit);
      // Discord answers newest first.
      return json(list.slice(-limit).reverse().map((m) => served(ctx, m)));
    }),
    route('GET', '/channels/:id/messages/:id', (req) => json(served(ctx, messageOr404(ctx, req.params[0]!, req.params[1]!).message))),

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
      return json(threadFromMessage(ctx, req.later, parent, req.params[1]!, threadSpecOf(req), world.bot.id), 201);
    }),
    // channel.threads.create() without a starting message.
    route('POST', '/channels/:id/threads', (req) => {
      const parent = channelOr404(ctx, req.params[0]);
      if (!TEXT_TYPES.includes(parent.type)) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
      const type = Number(req.body?.type ?? ChannelType.PrivateThread);
      if (![ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread].includes(type)) {
        throw formError('type', 'BASE_TYPE_CHOICES', 'Value must be one of {10, 11, 12}.');
      }
      return json(startThread(ctx, req.later, parent, snowflake(), type, threadSpecOf(req), world.bot.id), 201);
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
