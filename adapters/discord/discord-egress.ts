import { createRequire } from 'node:module';
import { DiscordAPIError, MessageType, REST, Routes, type APIMessage, type APIUser, type RESTOptions, type RawFile } from 'discord.js';
import type { Redis } from 'ioredis';
import { readablePublicChannels } from './public-channels.js';
import type { DiscordConfig } from './discord-config.js';
import { textOf, type AnswerControls, type EditOptions, type Egress, type EgressLimits, type OutboundFile, type OutboundText, type PostKey, type PostedMessage, type ThreadMessage } from '../../src/domain/egress.js';
import type { InboundAttachment, InboundMessage, ReplyAddress } from '../../src/domain/inbound-message.js';
import { downloadAttachment } from '../../src/attachments/download-attachment.js';
import type { Logger } from '../../src/log/create-logger.js';
import { RateBudget } from '../../src/rate/rate-budget.js';
import { PREVIEW_HEADER, PreviewSkipped, discordGlobalBucket, globallyPacedRequest } from './discord-global-limit.js';
import { fromDiscordText } from './inbound-text.js';
import { InteractionStore, scrubToken, type StoredInteraction } from './interaction-store.js';
import { DISCORD_MAX_CHARS, messageBody } from './outbound-message.js';

/**
 * One connection pool for every Discord REST client of the process, from the undici @discordjs/rest sends with (its
 * own 6.x). Without it, it sends through the process-wide dispatcher, which is whichever undici was loaded first: when
 * that is the project's undici 7 (src/net/lean-fetch.ts), an upload's multipart body, made for undici 6, fails inside
 * it ("action is not a function").
 */
const { Agent: RestAgent } = createRequire(createRequire(import.meta.url).resolve('@discordjs/rest'))('undici') as typeof import('undici');
const restAgent = new RestAgent() as unknown as RESTOptions['agent'];

// Past this much waiting for a rate limit, fail the call and let the job retry later instead of holding a worker.
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** Most pages of 100 `summarize 6h` reads of a channel. */
const CHANNEL_READ_PAGES = 10;
const THREAD_HISTORY_LIMIT = 50;

/** The slash command an answer is for (discord-ingress.ts puts its id in the address); its token is looked up. */
const interactionIdOf = (address: ReplyAddress): string | undefined => address.adapterData?.interactionId;

/** A thread's messages go to the thread (a channel of its own on Discord), everything else to the channel. */
const target = (address: ReplyAddress): string => address.threadId ?? address.channelId;

/**
 * The worker's side of Discord: REST only (no gateway), so any worker can answer. @discordjs/rest paces every call
 * by Discord's rate-limit headers and waits out 429s itself. Its retries (5xx, timeouts, resets) resend a request
 * that may already have reached Discord, so they are only allowed where resending is harmless: edits and typing are
 * idempotent, and every message create carries an enforced nonce, which Discord answers with the message it already
 * made. Interaction follow-ups cannot carry a nonce, so they go through a client that never retries.
 * Slash commands are answered through their interaction webhook: the deferred reply becomes part 0 of the answer.
 */
export class DiscordEgress implements Egress {
  readonly platform = 'discord' as const;
  readonly limits: EgressLimits;
  private readonly rest: REST;
  private readonly restNoRetry: REST;
  private readonly interactions: InteractionStore;
  private botId: string | undefined;
  /** Where attachments may be fetched from: Discord's CDN, or DISCORD_API_URL's host where a proxy or test stands in. */
  private readonly fileOrigins: string[];

  constructor(
    config: DiscordConfig,
    redis: Redis,
    prefix: string,
    private readonly log: Logger,
  ) {
    const options = {
      api: config.apiUrl,
      agent: restAgent,
      rejectOnRateLimit: (limit: { retryAfter: number }) => limit.retryAfter > MAX_RATE_LIMIT_WAIT_MS,
      // Discord's global limit per bot, shared with every other worker through Redis (discord-global-limit.ts).
      makeRequest: globallyPacedRequest(new RateBudget(redis, prefix), discordGlobalBucket(config.token)),
    };
    this.rest = new REST(options).setToken(config.token);
    this.restNoRetry = new REST({ ...options, retries: 0 }).setToken(config.token);
    this.interactions = new InteractionStore(redis, prefix, config.token);
    this.limits = { maxMessageChars: DISCORD_MAX_CHARS, editIntervalMs: config.editIntervalMs, maxParts: 4 };
    this.fileOrigins = ['https://cdn.discordapp.com', 'https://media.discordapp.net', new URL(config.apiUrl).origin];
  }

  /** Opens (or finds: Discord keeps one per recipient) the DM channel with a user: POST /users/@me/channels. */
  async openDirect(_workspaceId: string, userId: string): Promise<ReplyAddress> {
    const channel = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return { workspaceId: `@dm:${channel.id}`, channelId: channel.id };
  }

  async post(address: ReplyAddress, outbound: OutboundText, key?: PostKey, options?: { controls?: AnswerControls | undefined }): Promise<PostedMessage> {
    const interaction = await this.interactionOf(address);
    // Read now: @discordjs/rest queues a request behind its route's rate limit with the body it is given.
    const text = textOf(outbound);
    const controls = options?.controls;
    const interactionId = interactionIdOf(address);
    if (interaction && interactionId) {
      const part = key?.part ?? (interaction.originalMessageId ? 1 : 0);
      if (part === 0) {
        // The deferred reply ("Xiaoliu is thinking…") becomes the answer's first message; editing it is idempotent.
        const message = await this.webhook(interaction, (app, token) =>
          this.rest.patch(Routes.webhookMessage(app, token, '@original'), { body: messageBody(text, undefined, controls), auth: false }),
        );
        await this.interactions.setOriginal(interactionId, message.id);
        return { messageId: message.id };
      }
      const message = await this.webhook(interaction, (app, token) =>
        this.restNoRetry.post(Routes.webhook(app, token), { body: messageBody(text, undefined, controls), query: wait(), auth: false }),
      );
      return { messageId: message.id };
    }
    // A normal message, or an interaction whose token has expired: the answer still arrives, in the channel.
    const body = messageBody(text, key, controls);
    const message = (await this.rest.post(Routes.channelMessages(target(address)), { body })) as APIMessage;
    // A nonce Discord has seen returns the message it made then, with that attempt's text (a placeholder a dead
    // worker posted, say): bring it up to date, as a retried post must.
    // Compared trimmed: Discord trims what it stores, and an edit for whitespace alone would waste a call.
    if (message.content.trim() !== String(body.content).trim()) await this.edit(address, message.id, text, controls ? { controls } : {});
    return { messageId: message.id };
  }

  async edit(address: ReplyAddress, messageId: string, text: string, options?: EditOptions): Promise<boolean | void> {
    const interaction = await this.interactionOf(address);
    if (interaction) {
      const which = interaction.originalMessageId === messageId ? '@original' : messageId;
      await this.webhook(interaction, (app, token) =>
        this.rest.patch(Routes.webhookMessage(app, token, which), { body: messageBody(text, undefined, options?.controls), auth: false }),
      );
      return;
    }
    // A preview goes only if the bot's global budget has a slot free as it is sent (discord-global-limit.ts); the
    // final edit waits for one.
    const preview = options?.preview ? { headers: { [PREVIEW_HEADER]: '1' } } : {};
    try {
      await this.rest.patch(Routes.channelMessage(target(address), messageId), { body: messageBody(text, undefined, options?.controls), ...preview });
    } catch (error) {
      if (error instanceof PreviewSkipped) return false;
      throw error;
    }
  }

  async upload(address: ReplyAddress, file: OutboundFile, key?: PostKey): Promise<PostedMessage> {
    const files: RawFile[] = [{ name: file.filename, data: file.data, contentType: file.mimeType }];
    const attachments = [{ id: 0, filename: file.filename }];
    const interaction = await this.interactionOf(address);
    if (interaction) {
      const body = { ...messageBody(file.comment ?? ''), attachments };
      const message = await this.webhook(interaction, (app, token) =>
        this.restNoRetry.post(Routes.webhook(app, token), { body, files, query: wait(), auth: false }),
      );
      return { messageId: message.id };
    }
    const body = { ...messageBody(file.comment ?? '', key), attachments };
    const message = (await this.rest.post(Routes.channelMessages(target(address)), { body, files })) as APIMessage;
    return { messageId: message.id };
  }

  /**
   * "Xiaoliu is typing…" (it lasts about 10 s, or until Xiaoliu posts). A slash command's deferred reply already
   * shows "is thinking…", and the bot may not even see the channel of a command, so there it is skipped.
   */
  async setStatus(address: ReplyAddress): Promise<void> {
    if (interactionIdOf(address)) return;
    await this.rest.post(Routes.channelTyping(target(address)));
  }

  /**
   * A message in line (src/ingress/herald.ts): the typing indicator, which can say no more than "working on it", so
   * where it stands goes unsaid here. A slash command's deferred reply shows "is thinking…" already.
   */
  async showQueued(message: InboundMessage): Promise<void> {
    await this.setStatus(message.address);
  }

  /** A typing indicator expires after 10 seconds (https://discord.com/developers/docs/resources/channel#trigger-typing-indicator). */
  readonly queuedRefreshMs = 8_000;

  /** A file someone attached, from Discord's CDN: its URLs are signed, so no token is sent (nor needed). */
  async download(attachment: InboundAttachment, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return downloadAttachment(attachment, { allowedOrigins: this.fileOrigins, maxBytes, platform: 'Discord', ...(signal ? { signal } : {}) });
  }

  /**
   * The thread's messages before Xiaoliu was summoned into it, oldest first, read once for context. A thread started
   * from a message opens with a THREAD_STARTER_MESSAGE (type 21) that has no content of its own, only a reference to
   * that message in the parent channel: the message the thread is about is put first in its place.
   */
  /**
   * The channel's messages since `sinceMs`, for `summarize 6h`: GET /channels/{id}/messages, newest first, at most 100
   * a page ("limit: Max number of messages to return (1-100)", paging with `before`:
   * https://discord.com/developers/docs/resources/message#get-channel-messages), for at most 10 pages.
   */
  async readChannel(address: ReplyAddress, sinceMs: number): Promise<ThreadMessage[]> {
    this.botId ??= ((await this.rest.get(Routes.user('@me'))) as APIUser).id;
    const channel = address.threadId ?? address.channelId;
    const kept: APIMessage[] = [];
    let before: string | undefined;
    let complete = false;
    for (let page = 0; page < CHANNEL_READ_PAGES && !complete; page++) {
      const query = new URLSearchParams({ limit: '100', ...(before ? { before } : {}) });
      const newestFirst = (await this.rest.get(Routes.channelMessages(channel), { query })) as APIMessage[];
      for (const m of newestFirst) {
        if (Date.parse(m.timestamp) < sinceMs) complete = true;
        else kept.push(m);
      }
      if (newestFirst.length < 100) complete = true;
      before = newestFirst.at(-1)?.id;
    }
    const botId = this.botId;
    const messages = kept
      .reverse()
      .filter((m) => m.content.trim() !== '')
      .map((m) => threadMessage(m, botId));
    if (complete) return messages;
    return [{ authorId: 'discord', authorName: 'Discord', text: '(Older messages of this period were not read: too many.)', fromMe: false }, ...messages];
  }

  /** The public channels the person can read, for a knowledge search beyond the channel asked in (public-channels.ts). */
  readablePublicChannels(workspaceId: string, userId: string, channelIds: readonly string[]): Promise<string[]> {
    return readablePublicChannels(this.rest, workspaceId, userId, channelIds, this.log);
  }

  async readThread(address: ReplyAddress, beforeMessageId: string): Promise<ThreadMessage[]> {
    if (!address.threadId) return [];
    this.botId ??= ((await this.rest.get(Routes.user('@me'))) as APIUser).id;
    const query = new URLSearchParams({ before: beforeMessageId, limit: String(THREAD_HISTORY_LIMIT) });
    const newestFirst = (await this.rest.get(Routes.channelMessages(address.threadId), { query })) as APIMessage[];
    const starter = newestFirst.find((m) => m.type === MessageType.ThreadStarterMessage);
    const others = newestFirst.filter((m) => m !== starter).reverse();
    // A page short of the limit reaches the thread's beginning: no starter there means the thread has none.
    const reachedStart = newestFirst.length < THREAD_HISTORY_LIMIT;
    const about = starter ? await this.referencedBy(starter) : reachedStart ? undefined : await this.starterOf(address);
    const botId = this.botId;
    return [...(about ? [about] : []), ...others]
      .filter((m) => m.content.trim() !== '' || m.attachments.length > 0)
      .map((m) => ({
        ...threadMessage(m, botId),
        ...(m.attachments.length ? { attachments: m.attachments.map(discordAttachment) } : {}),
      }));
  }

  /**
   * The message a type-21 starter points at: inline in `referenced_message` (null: it was deleted), or, where Discord
   * did not resolve it (the field is absent), fetched through `message_reference`.
   * https://discord.com/developers/docs/resources/message#message-reference-content-attribution-thread-starter-messages
   */
  private async referencedBy(starter: APIMessage): Promise<APIMessage | undefined> {
    if (starter.referenced_message !== undefined) return starter.referenced_message ?? undefined;
    const ref = starter.message_reference;
    return ref?.message_id && ref.channel_id ? this.fetchOptional(ref.channel_id, ref.message_id) : undefined;
  }

  /**
   * The message a thread was started from, when the thread is too long for its starter to be in the page read: it
   * has the thread's id and lives in the parent channel, which is how discord.js's ThreadChannel#fetchStarterMessage
   * finds it too. A thread started without a message has none (Unknown Message).
   */
  private starterOf(address: ReplyAddress): Promise<APIMessage | undefined> {
    return this.fetchOptional(address.channelId, address.threadId!);
  }

  /** A message, or undefined when Discord says it is not there (deleted, or no access): context, not the answer. */
  private async fetchOptional(channelId: string, messageId: string): Promise<APIMessage | undefined> {
    try {
      return (await this.rest.get(Routes.channelMessage(channelId, messageId))) as APIMessage;
    } catch (error) {
      if (!(error instanceof DiscordAPIError)) throw error;
      this.log.debug({ err: error, channelId, messageId }, 'the message a thread was started from could not be read');
      return undefined;
    }
  }

  /** A slash command's answer is complete: its token is no longer needed. */
  async done(address: ReplyAddress): Promise<void> {
    const interactionId = interactionIdOf(address);
    if (interactionId) await this.interactions.forget(interactionId);
  }

  private async interactionOf(address: ReplyAddress): Promise<StoredInteraction | undefined> {
    const interactionId = interactionIdOf(address);
    if (!interactionId) return undefined;
    const interaction = await this.interactions.load(interactionId);
    if (!interaction) this.log.warn({ interactionId }, 'interaction token expired; answering in the channel');
    return interaction;
  }

  /** Runs an interaction-webhook call; the token is in its URL, so it is scrubbed from any error before it is logged. */
  private async webhook(
    interaction: StoredInteraction,
    call: (applicationId: string, token: string) => Promise<unknown>,
  ): Promise<APIMessage> {
    try {
      return (await call(interaction.applicationId, interaction.token)) as APIMessage;
    } catch (error) {
      throw scrubToken(error, interaction.token);
    }
  }
}

/** `?wait=true`: the follow-up's message comes back, so its id can be recorded and edited later. */
const wait = () => new URLSearchParams({ wait: 'true' });

/** A file on a message read back from Discord's REST API (attachment object), as an attachment to read. */
function discordAttachment(a: APIMessage['attachments'][number]): InboundAttachment {
  return { name: a.filename, mimeType: a.content_type ?? 'application/octet-stream', size: a.size, url: a.url };
}

/** A message read back from Discord as the model sees it: who wrote it (Xiaoliu itself by name), mentions as names. */
function threadMessage(m: APIMessage, botId: string): ThreadMessage {
  const users = new Map(m.mentions.map((u) => [u.id, u.global_name ?? u.username]));
  const fromMe = m.author.id === botId;
  return {
    authorId: m.author.id,
    authorName: fromMe ? 'Xiaoliu' : (m.author.global_name ?? m.author.username),
    text: fromDiscordText(m.content, { botId, users, roles: new Map(), channels: new Map() }),
    fromMe,
    messageId: m.id,
    sentAt: m.timestamp,
    ...(m.author.bot || m.webhook_id ? { fromBot: true } : {}),
  };
}
