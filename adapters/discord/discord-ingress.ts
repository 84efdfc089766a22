import { once } from 'node:events';
import {
  ChannelType,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  RESTJSONErrorCodes,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type Interaction,
  type Message,
} from 'discord.js';
import type { IngressDeps, RunningIngress } from '../../src/domain/adapter.js';
import type { InboundMessage, ReplyAddress } from '../../src/domain/inbound-message.js';
import type { Arrival } from '../../src/ingress/ingress.js';
import type { Logger } from '../../src/log/create-logger.js';
import { RateBudget } from '../../src/rate/rate-budget.js';
import type { DiscordConfig } from './discord-config.js';
import { discordGlobalBucket, globallyPacedRequest } from './discord-global-limit.js';
import { fromDiscordText, summonsBot, threadName, type MentionNames } from './inbound-text.js';
import { InteractionStore, scrubToken } from './interaction-store.js';
import { askedAbout, MESSAGE_COMMANDS, onAnswerButton, onAskAbout, onReasonSubmitted } from './discord-interactions.js';
import { FILE_OPTION, PROMPT_OPTION } from './slash-commands.js';
import { noteDeleted, notePost } from './discord-posts.js';

/** The running Discord ingress, as every handler needs it. */
interface DiscordContext {
  config: DiscordConfig;
  deps: IngressDeps;
  botId: string;
  /** Where interaction tokens wait for the worker (see InteractionStore). */
  interactions: InteractionStore;
}

// discord.js waits for every guild's GUILD_CREATE before `ready`; past this, start-up fails with a clear message.
const READY_TIMEOUT_MS = 30_000;
/**
 * A DM belongs to no server, so it is a workspace of its own, named after the DM's channel (one per person and bot):
 * one shared "@dm" pooled every person's DMs into one tenant (their usage, `usage team`, per-minute limits).
 */
const dmWorkspace = (channelId: string) => `@dm:${channelId}`;
/** No pings from a refusal, the asker included. */
const NO_PINGS = { parse: [], repliedUser: false } as const;
// Channels where a mention opens a thread; elsewhere (voice text chat, a thread already) Xiaoliu answers in place.
const THREADABLE: readonly ChannelType[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];

/**
 * Connects to Discord's gateway with discord.js, reads mentions, thread replies, DMs and slash commands into the
 * facts the core decides on, and hands them over (src/ingress/ingress.ts). Reconnecting and resuming are
 * discord.js's: events missed while the socket was down are replayed on RESUME, and anything delivered twice carries
 * the same delivery id (the message's or the interaction's own), so the queue and Postgres let it through once.
 */
export async function startDiscordIngress(config: DiscordConfig, deps: IngressDeps): Promise<RunningIngress> {
  const { log } = deps;
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    // DM channels are never in the cache: without this, discord.js drops DMs. Messages it has not cached (older than
    // this connection) would otherwise bring no MESSAGE_UPDATE / MESSAGE_DELETE event: the knowledge index needs both.
    partials: [Partials.Channel, Partials.Message],
    // Discord's global limit counts the bot's requests from every process, so the gateway's own (the threads it opens,
    // the gateway's address) take their slots from the budget the workers share. Interaction callbacks carry no bot
    // token and go at once: Discord does not count them (discord-global-limit.ts).
    rest: { api: config.apiUrl, makeRequest: globallyPacedRequest(new RateBudget(deps.redis, deps.prefix), discordGlobalBucket(config.token)) },
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'Discord client error'));
  containPacketErrors(client, log);
  client.on(Events.ShardDisconnect, (event) => log.warn({ code: event.code }, 'Discord gateway disconnected'));
  client.on(Events.ShardResume, (_shard, replayed) => log.info({ replayed }, 'Discord gateway resumed'));
  await connect(client, config);

  const discord: DiscordContext = { config, deps, botId: client.user!.id, interactions: new InteractionStore(deps.redis, deps.prefix, config.token) };
  client.on(Events.MessageCreate, (message) => {
    // Every server message goes to the knowledge index (it returns at once; only channels with knowledge on keep it).
    notePost(deps.ingress.posts, message, discord.botId);
    onMessage(discord, message).catch((error) => log.error({ err: error, messageId: message.id }, 'could not take a Discord message'));
  });
  client.on(Events.MessageUpdate, (_old, message) => notePost(deps.ingress.posts, message, discord.botId));
  client.on(Events.MessageDelete, (message) => noteDeleted(deps.ingress.posts, [message]));
  client.on(Events.MessageBulkDelete, (messages) => noteDeleted(deps.ingress.posts, [...messages.values()]));
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    // Buttons on answers and the 👎 reason modal (discord-interactions.ts).
    const failed = (error: unknown) => log.error({ err: scrubToken(error, interaction.token), interactionId: interaction.id }, 'could not act on a Discord interaction');
    if (interaction.isButton()) return void onAnswerButton(interaction, deps.answers, log).catch(failed);
    if (interaction.isModalSubmit()) {
      const asked = askedAbout(interaction);
      if (asked) return void onAskSubmitted(discord, interaction, asked).catch(failed);
      return void onReasonSubmitted(interaction, deps.answers).catch(failed);
    }
    if (interaction.isMessageContextMenuCommand()) {
      if (interaction.commandName === MESSAGE_COMMANDS.askAbout) return void onAskAbout(interaction).catch(failed);
      if (interaction.commandName === MESSAGE_COMMANDS.summarize) return void onSummarizeMessage(discord, interaction).catch(failed);
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    onCommand(discord, interaction).catch((error) => {
      log.error({ err: scrubToken(error, interaction.token), interactionId: interaction.id }, 'could not take a Discord command');
    });
  });
  log.info({ botUserId: discord.botId, guilds: client.guilds.cache.size }, 'Discord adapter is on');
  return {
    async stop() {
      await client.destroy();
    },
  };
}

/** Logs in and waits until every guild is known; a refusal becomes an error saying what to fix. */
async function connect(client: Client, config: DiscordConfig): Promise<void> {
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
  ready.catch(() => {}); // awaited below; when login fails first, this later rejection is no news
  try {
    await client.login(config.token);
    await ready;
  } catch (error) {
    await client.destroy();
    const e = error as { code?: unknown; message?: string };
    if (e.code === 'TokenInvalid') throw new Error('Discord refused DISCORD_TOKEN: check the token (Bot page) and DISCORD_API_URL');
    // @discordjs/ws reports close code 4014 as a plain Error with this message only.
    if (/disallowed intents/i.test(e.message ?? '')) {
      throw new Error('Discord refused the Message Content intent: enable it on the Bot page of your Discord application');
    }
    throw new Error(`could not connect to Discord (${e.message ?? String(error)}): check DISCORD_API_URL and the network`);
  }
}

async function onMessage(discord: DiscordContext, message: Message): Promise<void> {
  const receivedAt = performance.now();
  const botRoleId = message.guild?.members.me?.roles.botRole?.id;
  const arrival = arrivalOf(discord, message, botRoleId);
  if (!arrival) return;
  // Discord never delivers a message again: wait out a Redis outage rather than drop the question.
  const refuse = (text: string) => message.reply({ content: text, allowedMentions: NO_PINGS });
  await discord.deps.ingress.take(arrival, { receivedAt, ifRedisDown: 'wait' }, async (kind) => {
    // Normalized only for messages Xiaoliu takes: most of a busy server's traffic is not for it.
    const names = namesIn(message, discord.botId, botRoleId);
    const text = fromDiscordText(message.content, names);
    // A mention outside a thread opens one; it exists before the job is queued, so the worker's first post has
    // somewhere to go.
    const threadId = arrival.inThread || !arrival.threadId ? arrival.threadId : await openThread(discord, message, text);
    const address = { workspaceId: arrival.workspaceId, channelId: arrival.channelId, ...(threadId ? { threadId } : {}) };
    return fromMessage(message, kind, address, text, mentionedUsers(names));
  }, refuse);
}

/** The facts of a message; undefined for one in a channel a bot is never part of (a group DM). */
function arrivalOf(discord: DiscordContext, message: Message, botRoleId: string | undefined): Arrival | undefined {
  // Bots (Xiaoliu's own echoes included), webhooks and system notices (thread created, pins) are not people asking.
  const common = { platform: 'discord', fromBot: Boolean(message.author.bot || message.webhookId || message.system), replyMode: discord.config.replyMode };
  if (!message.inGuild()) {
    if (message.channel.type !== ChannelType.DM) return undefined;
    const dm = { workspaceId: dmWorkspace(message.channelId), channelId: message.channelId };
    return { ...common, ...dm, inThread: false, isDm: true, mentionsBot: false };
  }
  const facts = { ...common, workspaceId: message.guildId, isDm: false, mentionsBot: summonsBot(message.content, discord.botId, botRoleId) };
  const channel = message.channel;
  if (channel.isThread()) return { ...facts, channelId: channel.parentId ?? channel.id, threadId: channel.id, inThread: true };
  // Discord gives a thread started from a message the message's id: the thread a mention here opens.
  const threadable = THREADABLE.includes(channel.type);
  return { ...facts, channelId: message.channelId, ...(threadable ? { threadId: message.id } : {}), inThread: false };
}

/** The InboundMessage of a person's message; `text` already normalized. */
function fromMessage(
  message: Message,
  kind: InboundMessage['kind'],
  address: ReplyAddress,
  text: string,
  mentioned: Record<string, string>,
): InboundMessage {
  return {
    v: 1,
    id: `discord-${message.id}`,
    platform: 'discord',
    kind,
    address,
    author: { id: message.author.id, name: message.member?.displayName ?? message.author.displayName, isBot: false },
    text,
    ...(Object.keys(mentioned).length ? { mentionedUsers: mentioned } : {}),
    attachments: message.attachments.map((a) => ({
      name: a.name,
      mimeType: a.contentType ?? 'application/octet-stream',
      size: a.size,
      url: a.url,
    })),
    sentAt: message.createdAt.toISOString(),
    messageId: message.id,
    ...(kind === 'mention' && address.threadId && address.threadId !== message.id ? { inExistingThread: true } : {}),
  };
}

/**
 * Opens the answer's thread from the question. Discord gives a message's thread the message's id, so a redelivered
 * mention (or a second gateway racing this one) that finds the thread already there simply uses it.
 */
async function openThread(discord: DiscordContext, message: Message, text: string): Promise<string | undefined> {
  try {
    return (await message.startThread({ name: threadName(text) })).id;
  } catch (error) {
    if ((error as { code?: unknown }).code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) return message.id;
    // No Create Public Threads permission, say: answer in the channel rather than not at all.
    const why = 'could not open a thread; answering in the channel (check the Create Public Threads permission)';
    discord.deps.log.warn({ err: error, channelId: message.channelId }, why);
    return undefined;
  }
}

/**
 * A slash command: deferred at once, then queued; the worker answers by editing the deferred reply. Outside the
 * allow-lists it is answered instead with a refusal only its asker sees, and nothing is deferred, opened or queued.
 */
async function onCommand(discord: DiscordContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await queueDeferred(discord, interaction, () => commandMessage(interaction));
}

/** An interaction answered in place: a slash command, a message command, a submitted "Ask Xiaoliu about this" modal. */
type DeferredInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction | ModalSubmitInteraction;

/**
 * Deferred at once, then queued; the worker answers by editing the deferred reply. Outside the allow-lists it is
 * answered instead with a refusal only its asker sees, and nothing is deferred, opened or queued.
 */
async function queueDeferred(discord: DiscordContext, interaction: DeferredInteraction, build: () => InboundMessage): Promise<void> {
  const receivedAt = performance.now();
  const isDm = !interaction.inGuild();
  const place = { platform: 'discord', workspaceId: workspaceOf(interaction), channelId: placeChannelOf(interaction), isDm };
  await discord.deps.ingress.command(
    place,
    { receivedAt, ifRedisDown: 'wait' },
    {
      // An ephemeral reply: "Only you can see this" (https://discord.com/developers/docs/resources/message#message-object-message-flags).
      refuse: (text) => interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }),
      acknowledge: () => defer(interaction),
      open: async () => {
        const { applicationId, token } = interaction;
        await discord.interactions.save(interaction.id, { applicationId, token }, interaction.createdTimestamp);
        return build();
      },
      apologize: (text) => interaction.editReply(text),
      scrub: (error) => scrubToken(error, interaction.token),
    },
  );
}

/** Discord gives 3 s to acknowledge; deferring first shows "Xiaoliu is thinking…" and buys 15 minutes. */
async function defer(interaction: DeferredInteraction): Promise<void> {
  try {
    await interaction.deferReply();
  } catch (error) {
    // Acknowledged already: this is a redelivery, or another gateway took it. Queue it anyway; it dedupes.
    if ((error as { code?: unknown }).code !== RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged) throw error;
  }
}

function workspaceOf(interaction: DeferredInteraction): string {
  return interaction.guildId ?? dmWorkspace(interaction.channelId ?? '');
}

/** The channel a command counts as in: a thread's parent (settings and allow-lists are the channel's), or its own. */
function placeChannelOf(interaction: DeferredInteraction): string {
  const thread = interaction.channel?.isThread() ? interaction.channel : undefined;
  return thread?.parentId ?? interaction.channelId ?? '';
}

/**
 * A command in a thread belongs to the thread's conversation, in a DM to the DM's; elsewhere to its asker's own lane
 * of the channel: the channel's one conversation made every member's command wait behind any other's slow one.
 */
function commandMessage(interaction: ChatInputCommandInteraction): InboundMessage {
  const args = interaction.options.getString(PROMPT_OPTION)?.trim() ?? '';
  const file = interaction.options.getAttachment(FILE_OPTION);
  const thread = interaction.channel?.isThread() ? interaction.channel : undefined;
  return {
    ...deferredMessage(interaction, thread?.id, interaction.commandName, args),
    // A file given to the command's attachment option, read like one attached to a message.
    attachments: file ? [{ name: file.name, mimeType: file.contentType ?? 'application/octet-stream', size: file.size, url: file.url }] : [],
  };
}

/**
 * discord.js turns each gateway event into its objects inside the socket's message handler, outside any try: one
 * payload it cannot read (a field null where it expects flags, say) throws there and takes the whole process down,
 * every other conversation with it. The event is dropped and logged instead. `handlePacket` is the one place every
 * dispatch passes; it is private in discord.js's typings, hence the cast.
 */
function containPacketErrors(client: Client, log: Logger): void {
  const ws = client.ws as unknown as { handlePacket(packet?: { t?: unknown }, shard?: unknown): boolean };
  const handlePacket = ws.handlePacket.bind(ws);
  ws.handlePacket = (packet, shard) => {
    try {
      return handlePacket(packet, shard);
    } catch (error) {
      log.error({ err: error, event: packet?.t }, 'could not read a Discord gateway event; skipped it');
      return true;
    }
  };
}

/** The name people see: the server nickname, else the global display name, else the username. */
function displayNameOf(interaction: DeferredInteraction): string {
  const member = interaction.member;
  if (member && 'displayName' in member) return member.displayName;
  return member?.nick ?? interaction.user.displayName;
}

/**
 * The people a message's text names, by the "@Name" fromDiscordText wrote for each: their ids. A name two of them
 * share is left out, so a command cannot act on the wrong one.
 */
function mentionedUsers(names: MentionNames): Record<string, string> {
  const byName = new Map<string, string | undefined>();
  for (const [id, name] of names.users) {
    if (id === names.botId) continue;
    const key = `@${name}`;
    byName.set(key, byName.has(key) ? undefined : id);
  }
  return Object.fromEntries([...byName].filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Readable names for everything a message mentions, as Discord resolved them for this message. */
function namesIn(message: Message, botId: string, botRoleId: string | undefined) {
  const users = new Map(message.mentions.users.map((u) => [u.id, message.mentions.members?.get(u.id)?.displayName ?? u.displayName]));
  const roles = new Map(message.mentions.roles.map((r) => [r.id, r.name]));
  const channels = new Map(message.mentions.channels.map((c) => [c.id, 'name' in c && c.name ? c.name : 'channel']));
  return { botId, ...(botRoleId ? { botRoleId } : {}), users, roles, channels };
}

/**
 * "Summarize thread" on a message: the thread it is in, or the one started from it; on a message with no thread, the
 * channel's last 24 hours. Answered in place, like a slash command.
 */
async function onSummarizeMessage(discord: DiscordContext, interaction: MessageContextMenuCommandInteraction): Promise<void> {
  const target = interaction.targetMessage;
  const inThread = interaction.channel?.isThread() ? interaction.channel.id : undefined;
  // Discord gives a thread started from a message the message's id.
  const threadId = inThread ?? (target.hasThread ? target.id : undefined);
  await queueDeferred(discord, interaction, () => ({
    ...deferredMessage(interaction, threadId, 'summarize', ''),
    // The interaction's own id: later than every message of the thread, so all of it is read.
    ...(threadId ? { messageId: interaction.id } : {}),
  }));
}

/** A submitted "Ask Xiaoliu about this": the question, with the message quoted, answered in place. */
async function onAskSubmitted(discord: DiscordContext, interaction: ModalSubmitInteraction, asked: { messageId: string; question: string }): Promise<void> {
  if (!asked.question) return;
  const about = await interaction.channel?.messages.fetch(asked.messageId).catch(() => undefined);
  const quoted = (about?.content ?? '').slice(0, 2000).split('\n').map((line) => `> ${line}`).join('\n');
  const thread = interaction.channel?.isThread() ? interaction.channel.id : undefined;
  const text = `${asked.question}\n\nAbout this message${about ? ` from ${about.member?.displayName ?? about.author.displayName}` : ''}:\n${quoted}`;
  await queueDeferred(discord, interaction, () => ({ ...deferredMessage(interaction, thread, 'ask', text), text }));
}

/**
 * The InboundMessage of an interaction answered in place, for a command and its text: the egress answers by editing
 * the deferred reply, so only the interaction's id travels (its token is looked up).
 */
function deferredMessage(interaction: DeferredInteraction, threadId: string | undefined, name: string, args: string): InboundMessage {
  const lane = threadId || !interaction.inGuild() ? {} : { lane: interaction.user.id };
  return {
    v: 1,
    id: `discord-i-${interaction.id}`,
    platform: 'discord',
    kind: 'slash',
    address: {
      workspaceId: workspaceOf(interaction),
      channelId: placeChannelOf(interaction),
      ...(threadId ? { threadId } : lane),
      adapterData: { interactionId: interaction.id },
    },
    author: { id: interaction.user.id, name: displayNameOf(interaction), isBot: false },
    text: args || name,
    command: { name, args },
    attachments: [],
    sentAt: interaction.createdAt.toISOString(),
  };
}
