// A fake Discord (REST + gateway on one 127.0.0.1 port) that the real discord.js Client logs into and uses:
//   new Client({ intents, rest: { api: fake.restUrl } }).login(fake.token)
import { createServer } from 'node:http';
import { ChannelType, type APIMessage, type APIUser } from 'discord.js';
import { serveAttachment, type AttachmentDownload } from './fake-discord-cdn.js';
import { channelRoutes, threadFromMessage } from './fake-discord-channels.js';
import { FakeGateway, type GatewayConnection, type IdentifyRecord, type ResumeRecord } from './fake-discord-gateway.js';
import {
  FakeInteractions,
  type InteractionResponseRecord,
  type SendInteractionInput,
} from './fake-discord-interactions.js';
import { applicationFlags, commandRoutes, commandsAvailable, type RegisteredCommands } from './fake-discord-commands.js';
import { createRestHandler, type FakeCall } from './fake-discord-http.js';
import { createMessage, dispatchMessage, type FakeContext, type Route } from './fake-discord-messages.js';
import { dmChannel, dmChannelWith, guildCreatePayload, readyPayload, seedGuild, type FakeGuildOptions } from './fake-discord-payloads.js';
import {
  FakeWorld,
  Intent,
  PRIVILEGED_INTENTS,
  apiUser,
  isThread,
  snowflake,
  type ChannelRecord,
  type FakeUserInput,
  type ReceivedFile,
} from './fake-discord-model.js';
import { RateLimiter, type RateLimitScope, type RouteMatcher } from './fake-discord-ratelimit.js';
import { listenLocal } from './listen-local.js';

export {
  snowflake,
  type FakeCall,
  type FakeGuildOptions,
  type FakeUserInput,
  type InteractionResponseRecord,
  type RegisteredCommands,
  type RouteMatcher,
  type SendInteractionInput,
};

export interface FakeDiscordOptions {
  host?: string;
  port?: number;
  token?: string;
  bot?: { id?: string; username?: string; globalName?: string | null };
  guilds?: FakeGuildOptions[];
  /** HELLO's heartbeat_interval (Discord: 41250). discord.js waits interval × random() before its first beat. */
  heartbeatIntervalMs?: number;
  /** Automatic per-channel limits (default true). Off: no automatic 429s, and headers never show an empty bucket. */
  rateLimits?: boolean;
  postsPer5s?: number;
  editsPer5s?: number;
  /** Window of postsPer5s / editsPer5s; 5000 like Discord, shrink it to keep tests fast. */
  rateLimitWindowMs?: number;
  /** The global limit per bot, over all its clients together (Discord: 50 a second; fake-discord-ratelimit.ts). */
  globalPerSecond?: number;
  /** Time allowed to acknowledge an interaction (Discord: 3 s). */
  interactionAckTimeoutMs?: number;
  /** Echo the bot's own messages back as MESSAGE_CREATE/UPDATE like Discord does (default true). */
  echoOwnMessages?: boolean;
  /** Privileged intents granted in the developer portal (default all); asking for others closes with 4014. */
  allowedPrivilegedIntents?: number;
}

export interface SendMessageInput {
  channelId: string;
  guildId?: string;
  /** A user from addUser(), or a new one (`{ username }`, optionally with id). */
  author: FakeUserInput;
  content: string;
  /** Extra mentioned users; `<@id>` of users the fake knows are found in content anyway. */
  mentions?: APIUser[];
  /** Defaults to the known channel's type; an unknown channel with 1 becomes a DM with the author. */
  channelType?: number;
  /** Files the person attached; served at each attachment's `url` on the fake's own host, as Discord's CDN does. */
  attachments?: { name: string; contentType?: string; data: Buffer }[];
}

export type FakeMessage = APIMessage & { allowedMentions?: unknown; files: ReceivedFile[]; editCount: number };

export interface FakeDiscord {
  /** Pass as `rest: { api }`; @discordjs/rest appends `/v10`. */
  restUrl: string;
  gatewayUrl: string;
  token: string;
  botUser: APIUser;
  applicationId: string;
  /** First guild and its first text channel. */
  guildId: string;
  channelId: string;
  guilds: { id: string; name: string; channelIds: string[] }[];
  calls: FakeCall[];
  identifies: IdentifyRecord[];
  resumeAttempts: ResumeRecord[];
  connections: GatewayConnection[];
  readonly resumes: number;
  readonly heartbeats: number;
  readonly count429: number;
  readonly registeredCommands: RegisteredCommands;
  readonly threads: (ChannelRecord & { memberIds: string[] })[];
  /** POST /channels/:id/typing count per channel. */
  typing: Map<string, number>;
  addUser(input: FakeUserInput): APIUser;
  /** DM channel id between the bot and `user` (created on first use). */
  dmChannelFor(user: APIUser): string;
  sendMessage(input: SendMessageInput): APIMessage;
  sendInteraction(input: SendInteractionInput): { id: string; token: string };
  /**
   * A person edits their message in Discord's client: the stored message takes the new content and the gateway sends
   * MESSAGE_UPDATE with the whole updated message (https://discord.com/developers/docs/events/gateway-events#message-update).
   */
  editUserMessage(channelId: string, messageId: string, content: string): void;
  /**
   * A person deletes their message: MESSAGE_DELETE carries only its id, channel_id and guild_id
   * (https://discord.com/developers/docs/events/gateway-events#message-delete).
   */
  deleteUserMessage(channelId: string, messageId: string): void;
  /**
   * A channel's permission overwrites, as an admin sets them (type 0: a role, the server's id for @everyone; type 1: a
   * member; allow and deny as permission bit strings): https://discord.com/developers/docs/resources/channel#overwrite-object.
   * Served with the channel by GET /channels/{id}; the fake's gateway still delivers the channel's messages to the bot.
   */
  setOverwrites(channelId: string, overwrites: { id: string; type: 0 | 1; allow: string; deny: string }[]): void;
  /**
   * A person starts a public thread from a message in a text channel (as in Discord's client); returns the thread's
   * id, which is the message's. The thread opens with a THREAD_STARTER_MESSAGE (type 21) pointing at the message.
   */
  startThreadFromMessage(input: { channelId: string; messageId: string; by: APIUser; name?: string }): string;
  /** Serve thread starter messages without `referenced_message`, as Discord may (default: resolved). */
  omitStarterReferences(omit: boolean): void;
  /** Names of the slash commands `user` finds in the picker of a channel or DM, by Discord's scoping rules. */
  commandsAvailable(channelId: string, user: APIUser): string[];
  channelMessages(channelId: string): FakeMessage[];
  interactionResponses(interactionId: string): InteractionResponseRecord[];
  /** Every GET of an attachment URL, and whether it carried an Authorization header (Discord's CDN needs none). */
  attachmentDownloads: AttachmentDownload[];
  rateLimitNext(matcher: RouteMatcher, times?: number, retryAfterSeconds?: number, scope?: RateLimitScope): void;
  /** Sends any dispatch as it is, unchecked (malformed payloads included), to every live session. */
  dispatchRaw(t: string, d: unknown): void;
  /** No code: network-style drop (client sees 1006, resumes). With invalidateSession the RESUME gets op 9. */
  dropConnection(options?: { code?: number; invalidateSession?: boolean }): void;
  requestReconnect(): void;
  invalidateSessions(resumable?: boolean): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'fake-bot.FakeXY.fake-discord-token-for-tests';

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? DEFAULT_TOKEN;
  const botUser = apiUser({
    id: options.bot?.id ?? snowflake(),
    username: options.bot?.username ?? 'xiaoliu',
    global_name: options.bot?.globalName ?? 'Xiaoliu',
    bot: true,
  });
  // Bots made since 2020 share their application's id.
  const applicationId = botUser.id;
  const world = new FakeWorld(botUser);
  const guildSummaries = (options.guilds ?? [{}]).map((spec) => seedGuild(world, spec));

  const calls: FakeCall[] = [];
  const typing = new Map<string, number>();
  const limiter = new RateLimiter({
    enabled: options.rateLimits ?? true,
    postsPer5s: options.postsPer5s ?? 5,
    editsPer5s: options.editsPer5s ?? 5,
    windowMs: options.rateLimitWindowMs ?? 5000,
    globalPerSecond: options.globalPerSecond ?? 50,
  });
  const server = createServer();
  const origin = await listenLocal(server, options);
  const gatewayUrl = origin.replace(/^http/, 'ws');

  const allowedPrivilegedIntents = options.allowedPrivilegedIntents ?? PRIVILEGED_INTENTS;
  const gateway = new FakeGateway(server, {
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    allowedPrivilegedIntents,
    baseUrl: gatewayUrl,
    guildIds: () => [...world.guilds.keys()],
    guildCreate: (id) => guildCreatePayload(world, id),
    ready: (sessionId, resumeUrl) =>
      readyPayload(world, applicationId, applicationFlags(allowedPrivilegedIntents, commands.global.length > 0), sessionId, resumeUrl),
  });

  const ctx: FakeContext = {
    world,
    gateway,
    applicationId,
    echoOwnMessages: options.echoOwnMessages ?? true,
    origin,
    typing,
    resolveStarterReferences: true,
  };
  const commands: RegisteredCommands = { global: [], guilds: {} };
  const interactions = new FakeInteractions(ctx, commands, options.interactionAckTimeoutMs ?? 3000);
  const gatewayInfo = () => ({
    url: gatewayUrl,
    shards: 1,
    // reset_after is in ms; @discordjs/ws caches this answer for that long.
    session_start_limit: {
      total: 1000,
      remaining: 1000 - gateway.identifies.length,
      reset_after: 86_400_000,
      max_concurrency: 1,
    },
  });
  const routes: Route[] = [...channelRoutes(ctx, gatewayInfo), ...interactions.routes(), ...commandRoutes(ctx, commands, allowedPrivilegedIntents)];

  const rest = createRestHandler({ routes, limiter, token, origin, calls });
  const attachmentDownloads: AttachmentDownload[] = [];
  server.on('request', (req, res) => {
    if (!serveAttachment(world, origin, attachmentDownloads, req, res)) rest(req, res);
  });

  return {
    restUrl: `${origin}/api`,
    gatewayUrl,
    token,
    botUser,
    applicationId,
    guildId: guildSummaries[0]?.id ?? '',
    channelId: guildSummaries[0]?.channelIds[0] ?? '',
    guilds: guildSummaries,
    calls,
    identifies: gateway.identifies,
    resumeAttempts: gateway.resumeAttempts,
    connections: gateway.connections,
    typing,
    get resumes() {
      return gateway.resumes;
    },
    get heartbeats() {
      return gateway.heartbeats;
    },
    get count429() {
      return limiter.count429;
    },
    get registeredCommands() {
      return commands;
    },
    get threads() {
      const threads = [...world.channels.values()].filter(isThread);
      return threads.map((t) => ({ ...t, memberIds: [...(world.threadMembers.get(t.id) ?? [])] }));
    },
    addUser: (input) => world.addUser(input),
    dmChannelFor: (user) => dmChannelWith(world, user).id,
    sendMessage(input) {
      const author = (input.author.id !== undefined && world.users.get(input.author.id)) || world.addUser(input.author);
      let channel = world.channel(input.channelId);
      if (!channel && input.channelType === ChannelType.DM) {
        channel = dmChannel(input.channelId, author);
        world.channels.set(channel.id, channel);
      }
      if (!channel) throw new Error(`fake-discord: unknown channel ${input.channelId}`);
      if (input.guildId !== undefined && input.guildId !== channel.guild_id) {
        throw new Error(`fake-discord: channel ${channel.id} is not in guild ${input.guildId}`);
      }
      const mentions = new Map([...world.mentionedIn(input.content), ...(input.mentions ?? [])].map((u) => [u.id, u]));
      const extra = { mentions: [...mentions.values()] };
      const files = (input.attachments ?? []).map((a, index) => ({
        field: `files[${index}]`,
        name: a.name,
        contentType: a.contentType ?? 'application/octet-stream',
        data: a.data,
      }));
      return createMessage(ctx, null, channel, author, { content: input.content }, files, extra).message;
    },
    sendInteraction: (input) => interactions.send(input),
    editUserMessage(channelId, messageId, content) {
      const stored = world.findMessage(channelId, messageId);
      if (!stored) throw new Error(`fake-discord: no message ${messageId} in ${channelId}`);
      stored.message.content = content;
      stored.message.mentions = world.mentionedIn(content);
      stored.message.edited_timestamp = new Date().toISOString();
      stored.editCount++;
      dispatchMessage(ctx, 'MESSAGE_UPDATE', stored);
    },
    setOverwrites(channelId, overwrites) {
      const channel = world.channel(channelId);
      if (!channel) throw new Error(`fake-discord: unknown channel ${channelId}`);
      channel.permission_overwrites = overwrites;
    },
    deleteUserMessage(channelId, messageId) {
      const stored = world.findMessage(channelId, messageId);
      const channel = world.channel(channelId);
      if (!stored || !channel) throw new Error(`fake-discord: no message ${messageId} in ${channelId}`);
      stored.deleted = true;
      const d = { id: messageId, channel_id: channelId, ...(channel.guild_id ? { guild_id: channel.guild_id } : {}) };
      const intent = channel.guild_id ? Intent.GuildMessages : Intent.DirectMessages;
      gateway.dispatch('MESSAGE_DELETE', (intents) => (intents & intent ? d : undefined));
    },
    startThreadFromMessage(input) {
      const parent = world.channel(input.channelId);
      if (!parent) throw new Error(`fake-discord: unknown channel ${input.channelId}`);
      // THREAD_CREATE goes out at once: it precedes any message written in the thread.
      const now = (fn: () => void) => fn();
      return threadFromMessage(ctx, now, parent, input.messageId, { name: input.name ?? 'Thread' }, input.by.id).id;
    },
    omitStarterReferences(omit) {
      ctx.resolveStarterReferences = !omit;
    },
    commandsAvailable(channelId, user) {
      const channel = world.channel(channelId);
      if (!channel) throw new Error(`fake-discord: unknown channel ${channelId}`);
      return commandsAvailable(world, commands, channel, user.id).map((c) => String(c.name)).sort();
    },
    // Snapshots: later edits do not change what a test already read.
    channelMessages: (channelId) =>
      world
        .stored(channelId)
        .filter((m) => !m.deleted)
        .map((m) => ({
          ...structuredClone(m.message),
          allowedMentions: m.allowedMentions,
          files: m.files,
          editCount: m.editCount,
        })),
    interactionResponses: (id) => interactions.responses(id),
    attachmentDownloads,
    rateLimitNext: (matcher, times = 1, retryAfterSeconds = 0.2, scope = 'user') =>
      limiter.forceNext(matcher, times, retryAfterSeconds, scope),
    dispatchRaw: (t, d) => gateway.dispatch(t, () => d),
    dropConnection: (opts) => gateway.dropConnection(opts),
    requestReconnect: () => gateway.requestReconnect(),
    invalidateSessions: (resumable) => gateway.invalidateSessions(resumable),
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
