import { ErrorCode, type ConversationsRepliesResponse, type WebClient } from '@slack/web-api';
import type { SlackConfig } from './slack-config.js';
import { textOf, type AnswerControls, type EditOptions, type Egress, type EgressLimits, type NativeStream, type OutboundFile, type OutboundText, type PostKey, type PostedMessage, type ThreadMessage } from '../../src/domain/egress.js';
import type { InboundAttachment, InboundMessage, ReplyAddress } from '../../src/domain/inbound-message.js';
import { queuedStatus } from '../../src/ingress/herald.js';
import { downloadAttachment } from '../../src/attachments/download-attachment.js';
import { readablePublicChannels } from './public-channels.js';
import { slackAttachments, type SlackFile } from './slack-attachments.js';
import type { Logger } from '../../src/log/create-logger.js';
import { RateBudgetExhausted, type RateBudget } from '../../src/rate/rate-budget.js';
import { answerBlocks, streamEndBlocks } from './answer-blocks.js';
import { boltLogger } from './bolt-logger.js';
import { toMrkdwn } from './format-mrkdwn.js';
import { defuseBroadcasts } from './mrkdwn-tokens.js';
import { createSlackClient } from './slack-client.js';
import { questionTsOf } from './slack-delivery-id.js';
import { readCaps, readNearest, readSince, tsBefore, type ReadPage } from './thread-reader.js';
import { slackBuckets, slackReadBucket, type PacedMethod, type ReadMethod } from './slack-rate-limits.js';
import { UserNames } from './user-names.js';

// One append a second follows the Web API's own chatStream helper (256 characters at a time, about a second of a
// model's output) and costs a third of the calls of appending every 400 ms (npm run bench: 1,000 streams at once).
const APPEND_INTERVAL_MS = 1000;
// Past this much waiting for rate limits, fail the call and let the job retry later instead of holding a worker.
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
// A stream that cannot start within this (chat.startStream is tier 2, 20 a minute per workspace) is not worth the
// wait: the answer is posted and edited instead.
const STREAM_START_MAX_WAIT_MS = 5_000;
// Appends held back while the budget is tight go with the next one; past this many characters the next one waits for
// its slot instead, so no call comes near Slack's 12,000 characters of markdown_text.
const HELD_APPEND_MAX_CHARS = 4_000;
const THREAD_HISTORY_LIMIT = 50;
// Reading the thread before Xiaoliu was summoned holds the model call: it waits at most this for its rate-limit slot
// (enough for a burst at tier 3; an app outside the Marketplace reads once a minute), else the answer goes without it.
const CONTEXT_READ_MAX_WAIT_MS = 5_000;
// A crash-recovery look-up (did the dead attempt post this part?) may wait longer, since missing the part posts it
// twice: room for two other look-ups ahead of it at one a minute. Past that the part is posted unchecked, as when Slack
// cannot be asked at all, rather than hold the worker longer for an answer that is already late.
const RECOVERY_READ_MAX_WAIT_MS = 150_000;
// Invisible metadata on every answer message, naming its delivery and part, so a post whose outcome is unknown (a
// 5xx or a lost connection after Slack may have made it) can be found instead of posted twice.
const REPLY_MARKER = 'xiaoliu_reply';
/** The reaction on a top-level DM that waits in line. */
const QUEUED_REACTION = 'hourglass_flowing_sand';

/**
 * The worker's side of Slack: posts, edits and uploads through the Web API (REST only, so any worker can answer).
 * Markdown from the model becomes mrkdwn here, with @channel-style pings neutralized.
 */
export class SlackEgress implements Egress {
  readonly platform = 'slack' as const;
  /** The thread status shows its words ("is searching the web for …"): src/render/reply-writer.ts's `activity`. */
  readonly statusShowsText = true;
  readonly limits: EgressLimits;
  private readonly client: WebClient;
  private readonly names: UserNames;
  private botUserId: string | undefined;
  /**
   * Threads where a status Xiaoliu set may still show. Slack clears one "when the app sends a reply", not on edits
   * (https://docs.slack.dev/reference/methods/assistant.threads.setStatus), so `done` clears what is left.
   */
  private readonly statusShown = new Set<string>();

  constructor(
    private readonly config: SlackConfig,
    private readonly log: Logger,
    /**
     * Slack's per-method, per-workspace limits, shared with every other worker through Redis (slack-rate-limits.ts).
     * The app always passes it; a test about something else may leave it out (calls then only wait out 429s).
     */
    private readonly budget?: RateBudget,
  ) {
    this.client = createSlackClient(config, boltLogger(log.child({ adapter: 'slack' })));
    this.names = new UserNames(this.client, log);
    // Slack advises keeping messages under 4,000 characters; mrkdwn conversion adds escapes and table padding, so
    // parts are cut with room to spare.
    this.limits = { maxMessageChars: 3500, editIntervalMs: config.editIntervalMs, maxParts: 4, appendIntervalMs: APPEND_INTERVAL_MS };
    if (config.nativeStreaming) this.nativeStream = this.createNativeStream();
  }

  readonly nativeStream?: NativeStream;

  /** "is thinking…" under the question, in any thread (Slack clears it when Xiaoliu posts there); best effort. */
  async setStatus(address: ReplyAddress, status: string): Promise<void> {
    // Channels too: assistant.threads.setStatus "now accepts either the assistant:write or chat:write scope. This
    // allows channel-based apps to use AI loading states in channels" (docs.slack.dev/changelog/2026/03/05/set-status-scope-update).
    if (!address.threadId) return;
    await this.client.assistant.threads.setStatus({ channel_id: address.channelId, thread_ts: address.threadId, status });
    if (status) this.statusShown.add(threadKey(address));
    else this.statusShown.delete(threadKey(address));
  }

  /**
   * A message in line (src/ingress/herald.ts): the thread's status says where it stands. A top-level DM has no thread
   * to show a status in, so the message gets an ⏳ reaction instead, taken away when a worker takes it. Neither is
   * worth waiting for: a reaction goes only when the workspace's budget has a slot free now.
   */
  async showQueued(message: InboundMessage, ahead: number | undefined, first: boolean): Promise<boolean> {
    const { address, messageId } = message;
    if (address.threadId) {
      await this.setStatus(address, queuedStatus(ahead));
      return true;
    }
    if (!first || !messageId) return true;
    if (!(await this.tryPace('reactions.add', address))) return false;
    await this.call('reactions.add', { waitOnRateLimit: false }, () => this.client.reactions.add({ channel: address.channelId, timestamp: messageId, name: QUEUED_REACTION }));
    this.reacted.add(message.id);
    return true;
  }

  /** The status needs no clearing (the answer's own replaces it); the reaction does. */
  async clearQueued(message: InboundMessage): Promise<void> {
    if (!this.reacted.delete(message.id) || !message.messageId) return;
    await this.pace('reactions.remove', message.address);
    await this.call('reactions.remove', () => this.client.reactions.remove({ channel: message.address.channelId, timestamp: message.messageId!, name: QUEUED_REACTION }));
  }

  /** Slack clears an assistant status by itself after two minutes (setStatus, as above): set again within one. */
  readonly queuedRefreshMs = 60_000;

  /** The messages this process put an ⏳ on, to take it away again. */
  private readonly reacted = new Set<string>();

  /** The answer is complete: a status set since Xiaoliu last posted in the thread would show on for two minutes. */
  async done(address: ReplyAddress): Promise<void> {
    // "Sending an empty string in the status field will also clear the status indicator" (setStatus, as above).
    if (address.threadId && this.statusShown.has(threadKey(address))) await this.setStatus(address, '');
  }

  /** Titles an assistant-panel thread (DM threads) after its first question; best effort. */
  async setTitle(address: ReplyAddress, title: string): Promise<void> {
    if (!address.threadId || !address.channelId.startsWith('D')) return;
    await this.client.assistant.threads.setTitle({ channel_id: address.channelId, thread_ts: address.threadId, title });
  }

  /**
   * Slack renders the Markdown of a streamed message itself (no mrkdwn conversion), so only pings are defused. A
   * ping can straddle two appends ('<' then '!channel>'), so defusing works on the whole text so far, and a tail that
   * could still become one waits for the next append. Streams are replies to a question: a top-level DM answer uses
   * edits instead. And only in DMs (assistant threads included), where the asker is the only reader: in a channel
   * Slack shows a stream live to its recipient alone and "Thinking…" to everyone else until it stops, so there
   * answers are edits of a posted message, which everyone in the thread watches grow (README, Slack).
   */
  private createNativeStream(): NativeStream {
    const streams = new Map<string, { raw: string; sent: string }>();
    const safe = (markdown: string) => defuseBroadcasts(markdown).replace(/<([!@#])/g, '<\u200B$1');
    /**
     * What to append now: the defused text so far, less what was sent, less a tail that may be half a ping. `ready` is
     * marked sent once the call went out (a piece held back for the rate budget stays pending for the next one).
     */
    const next = (messageId: string, markdown: string, final: boolean): { piece: string; ready: string } => {
      const state = streams.get(messageId) ?? { raw: '', sent: '' };
      state.raw += markdown;
      const hold = final ? 0 : (/(<[!@#]?|@\w*)$/.exec(state.raw)?.[0].length ?? 0);
      const ready = safe(state.raw.slice(0, state.raw.length - hold));
      if (final) streams.delete(messageId);
      else streams.set(messageId, state);
      return { piece: ready.slice(state.sent.length), ready };
    };
    return {
      start: async (address, recipientId, { retry }) => {
        if (!address.threadId || !address.channelId.startsWith('D')) return undefined;
        // A stream carries no metadata, but one the attempt before opened and did not record is the thread's newest
        // stream, which Slack reports by its streaming_state: still open, or closed since (see isLeftStream).
        const earlier = retry ? await this.findOwnMessage(address, isLeftStream, await this.newestReplyTs(address)) : undefined;
        if (earlier) return { messageId: earlier.messageId, open: earlier.streamingState === 'in_progress' };
        try {
          await this.pace('chat.startStream', address, STREAM_START_MAX_WAIT_MS);
        } catch (error) {
          if (error instanceof RateBudgetExhausted) return undefined; // the writer posts and edits instead
          throw error;
        }
        try {
          const result = await this.call('chat.startStream', () =>
            this.client.chat.startStream({
              channel: address.channelId,
              thread_ts: address.threadId!,
              // The person the stream is for, as Bolt's own sayStream() always names them (required in channels).
              ...(recipientId ? { recipient_team_id: address.workspaceId, recipient_user_id: recipientId } : {}),
            }),
          );
          this.statusShown.delete(threadKey(address)); // a new message clears the status
          return { messageId: String(result.ts), open: true };
        } catch (error) {
          // The stream may be open all the same: Slack then lists it in the thread as in progress.
          const opened = outcomeUnknown(error) ? await this.findOwnMessage(address, isLeftStream, await this.newestReplyTs(address)) : undefined;
          if (opened) return { messageId: opened.messageId, open: opened.streamingState === 'in_progress' };
          throw error;
        }
      },
      append: async (address, messageId, markdown) => {
        const { piece, ready } = next(messageId, markdown, false);
        if (!piece) return true;
        // A preview: it goes when the workspace's appendStream budget has a slot free now, else it is held for the
        // next append or for stop (the final text is never lost, only shown later).
        if (piece.length > HELD_APPEND_MAX_CHARS) await this.pace('chat.appendStream', address);
        else if (!(await this.tryPace('chat.appendStream', address))) return false;
        await this.call('chat.appendStream', () =>
          this.client.chat.appendStream({ channel: address.channelId, ts: messageId, markdown_text: piece }),
        );
        const state = streams.get(messageId);
        if (state) state.sent = ready;
        return true;
      },
      stop: async (address, messageId, markdown, controls) => {
        const { piece } = next(messageId, markdown ?? '', true);
        const blocks = streamEndBlocks(controls);
        await this.pace('chat.stopStream', address);
        await this.call('chat.stopStream', () =>
          this.client.chat.stopStream({
            channel: address.channelId,
            ts: messageId,
            ...(piece ? { markdown_text: piece } : {}),
            ...(blocks.length ? { blocks: blocks as never } : {}),
          }),
        );
      },
    };
  }

  /**
   * A user id as `channel` posts in the app's direct message with that user (the Messages tab of its App Home):
   * chat.postMessage takes "an encoded ID … that represents a channel, private group, or IM channel", and a user id
   * names their IM with the app (https://docs.slack.dev/reference/methods/chat.postMessage). Needs only chat:write.
   */
  async openDirect(workspaceId: string, userId: string): Promise<ReplyAddress> {
    return { workspaceId, channelId: userId };
  }

  async post(address: ReplyAddress, outbound: OutboundText, key?: PostKey, options?: { controls?: AnswerControls | undefined }): Promise<PostedMessage> {
    if (key?.retry) {
      // Slack has no idempotency key: the attempt before may have posted this part and died before recording it.
      const earlier = await this.findOwnMessage(address, isReplyFor(key), questionTsOf(key.deliveryId));
      if (earlier) {
        const text = textOf(outbound);
        await this.edit(address, earlier.messageId, text, options?.controls ? { controls: options.controls } : {});
        return earlier;
      }
    }
    await this.pace('chat.postMessage', address);
    // Read once the slot is ours: a post that waited for the channel's turn carries what is known by now.
    const text = textOf(outbound);
    // Read after the text: a post that carries the whole answer carries its final buttons.
    const blocks = answerBlocks(toMrkdwn(text), options?.controls);
    const metadata = key ? { event_type: REPLY_MARKER, event_payload: { delivery_id: key.deliveryId, part: key.part } } : undefined;
    try {
      const result = await this.call('chat.postMessage', () =>
        this.client.chat.postMessage({
          channel: address.channelId,
          ...(address.threadId ? { thread_ts: address.threadId } : {}),
          text: toMrkdwn(text),
          ...(blocks.length ? { blocks: blocks as never } : {}),
          unfurl_links: false,
          unfurl_media: false,
          ...(metadata ? { metadata } : {}),
        }),
      );
      this.statusShown.delete(threadKey(address)); // a new message clears the status
      return { messageId: String(result.ts) };
    } catch (error) {
      // Posting again blindly would show the message twice if Slack made it before failing: look for it first.
      const posted = key && outcomeUnknown(error) ? await this.findOwnMessage(address, isReplyFor(key), questionTsOf(key.deliveryId)) : undefined;
      if (posted) return posted;
      throw error;
    }
  }

  /**
   * The newest of Xiaoliu's own messages at the address (its thread, or the channel's top level) that `matches`,
   * among those newer than `oldest` (the question it answers: Slack lists a thread oldest first, so in a long thread
   * only a lower bound reaches the newest messages within SLACK_APP_CLASS's caps); undefined if none, or if Slack
   * cannot be asked either (the job's retry then tries the whole call again). Each read waits for its slot of the
   * workspace's budget (RECOVERY_READ_MAX_WAIT_MS) and waits out a 429.
   */
  private async findOwnMessage(
    address: ReplyAddress,
    matches: (m: SlackMessage, thread: SlackMessage[]) => boolean,
    oldest?: string,
  ): Promise<(PostedMessage & { streamingState?: string }) | undefined> {
    try {
      this.botUserId ??= String((await this.client.auth.test()).user_id);
      const query = { channel: address.channelId, include_all_metadata: true };
      const read: ReadPage<SlackMessage> = address.threadId
        ? (args) => this.lookUp('conversations.replies', address, () => this.client.conversations.replies({ ...query, ...args, ts: address.threadId! }))
        : (args) => this.lookUp('conversations.history', address, () => this.client.conversations.history({ ...query, ...args }));
      const messages = await readSince(read, oldest, readCaps(this.config.appClass));
      const own = messages.filter((m) => m.user === this.botUserId && m.ts && m.ts !== address.threadId && matches(m, messages));
      const newest = own.sort((a, b) => (tsBefore(a.ts!, b.ts!) ? -1 : 1)).at(-1);
      if (newest) this.log.warn({ channel: address.channelId, ts: newest.ts }, 'Slack failed a call that had worked; using its message');
      return newest ? { messageId: newest.ts!, ...(newest.streaming_state ? { streamingState: newest.streaming_state } : {}) } : undefined;
    } catch (error) {
      if (error instanceof RateBudgetExhausted) {
        const why = `no slot to read the thread back within ${RECOVERY_READ_MAX_WAIT_MS / 1000} s (SLACK_APP_CLASS=${this.config.appClass} sets how often Slack lets this app read): going on unchecked, so a part may show twice`;
        this.log.warn({ channel: address.channelId }, why);
      } else this.log.warn({ err: error }, 'could not check whether a failed Slack call had worked');
      return undefined;
    }
  }

  /**
   * Where to look for a stream a dead attempt left (a stream carries no delivery id to start from): the thread's
   * newest reply, which its parent names (`latest_reply`, read with conversations.history, a budget of its own). Such
   * a stream is the thread's newest message (isLeftStream), so the look-up then reads one message, however long the
   * thread. Undefined (read from the start) when the parent cannot be read.
   */
  private async newestReplyTs(address: ReplyAddress): Promise<string | undefined> {
    if (!address.threadId) return undefined;
    const parent = { channel: address.channelId, oldest: address.threadId, latest: address.threadId, inclusive: true, limit: 1 };
    try {
      const result = await this.lookUp('conversations.history', address, () => this.client.conversations.history(parent));
      return result.messages?.find((m) => m.ts === address.threadId)?.latest_reply;
    } catch (error) {
      this.log.warn({ err: error }, "could not read a thread's parent; looking for the stream from the thread's start");
      return undefined;
    }
  }

  async edit(address: ReplyAddress, messageId: string, text: string, options?: EditOptions): Promise<boolean> {
    // A preview goes only when the workspace's chat.update budget has a slot free now; any other edit waits for one.
    if (!options?.preview) await this.pace('chat.update', address);
    else if (!(await this.tryPace('chat.update', address))) return false;
    // `blocks: []` too: chat.update keeps the blocks it is not given, and a streamed message's text is its blocks, so
    // a text-only edit would leave the streamed answer on screen (and a split answer twice). "To remove previous
    // blocks, include an empty array for this field" (https://docs.slack.dev/reference/methods/chat.update).
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: address.channelId, ts: messageId, text: toMrkdwn(text), blocks: answerBlocks(toMrkdwn(text), options?.controls) as never }),
    );
    return true;
  }

  async upload(address: ReplyAddress, file: OutboundFile): Promise<PostedMessage> {
    const comment = file.comment ? { initial_comment: toMrkdwn(file.comment) } : {};
    const upload = address.threadId
      ? () => this.client.filesUploadV2({ channel_id: address.channelId, thread_ts: address.threadId!, file: file.data, filename: file.filename, ...comment })
      : () => this.client.filesUploadV2({ channel_id: address.channelId, file: file.data, filename: file.filename, ...comment });
    await this.pace('files.upload', address);
    const result = (await this.call('files.uploadV2', upload)) as { files?: { files?: { id?: string }[] }[] };
    this.statusShown.delete(threadKey(address)); // a new message clears the status
    return { messageId: result.files?.[0]?.files?.[0]?.id ?? file.filename };
  }

  /**
   * A file someone attached (url_private_download, else url_private), fetched with the bot token, which goes only to
   * Slack's own hosts (or to SLACK_API_URL's, where a proxy or a test stands in for Slack). Slack redirects between
   * its file hosts (files.slack.com, files-origin.slack.com, slack-files.com): those redirects are followed.
   */
  async download(attachment: InboundAttachment, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return downloadAttachment(attachment, {
      allowedOrigins: ['https://*.slack.com', 'https://*.slack-files.com', new URL(this.config.apiUrl).origin],
      headers: { authorization: `Bearer ${this.config.botToken}` },
      maxBytes,
      platform: 'Slack',
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * The thread's messages before Xiaoliu was summoned, read once: its first message and those nearest the question,
   * within what SLACK_APP_CLASS allows (thread-reader.ts).
   */
  /**
   * The channel's top-level messages since `sinceMs`, for `summarize 6h`: conversations.history pages newest first,
   * 200 a call for at most 5 calls (or one call of 15 for an app outside the Marketplace, SLACK_APP_CLASS:
   * https://docs.slack.dev/reference/methods/conversations.history), each paced by the workspace's budget.
   */
  async readChannel(address: ReplyAddress, sinceMs: number): Promise<ThreadMessage[]> {
    this.botUserId ??= String((await this.client.auth.test()).user_id);
    const oldest = (sinceMs / 1000).toFixed(6);
    const caps = readCaps(this.config.appClass);
    const read: ReadPage<Reply> = async (args) => {
      await this.paceRead('conversations.history', address, CONTEXT_READ_MAX_WAIT_MS);
      return this.call('conversations.history', () => this.client.conversations.history({ channel: address.channelId, ...args }));
    };
    const newestFirst = await readSince(read, oldest, caps);
    const messages = await this.named([...newestFirst].reverse());
    if (newestFirst.length < caps.perCall * caps.calls) return messages;
    const note = '(Older messages of this period could not be read within what Slack lets this app read.)';
    return [{ authorId: 'slack', authorName: 'Slack', text: note, fromMe: false }, ...messages];
  }

  /** Messages with text, as ThreadMessages named after their authors (one users.info per person, all at once). */
  private async named(messages: Reply[]): Promise<ThreadMessage[]> {
    // A message with only a file in it (a screenshot shared without words) still counts: its file is read.
    const earlier = messages.filter((m) => m.text || m.files?.length);
    const people = [...new Set(earlier.filter((m) => !m.bot_id && m.user).map((m) => m.user!))];
    const names = new Map(await Promise.all(people.map(async (id) => [id, await this.names.nameOf(id)] as const)));
    return earlier.map((m) => {
      const fromMe = m.user === this.botUserId;
      return {
        authorId: m.user ?? m.bot_id ?? 'unknown',
        authorName: fromMe ? 'Xiaoliu' : m.bot_id ? 'a bot' : (names.get(m.user!) ?? m.user ?? 'someone'),
        text: m.text ?? '',
        fromMe,
        ...(m.files?.length ? { attachments: slackAttachments(m.files as SlackFile[]) } : {}),
        ...(m.ts ? { messageId: m.ts, sentAt: new Date(Number(m.ts) * 1000).toISOString() } : {}),
        ...(m.bot_id && !fromMe ? { fromBot: true } : {}),
      };
    });
  }

  /** The public channels the person can read, for a knowledge search beyond the channel asked in (public-channels.ts). */
  readablePublicChannels(_workspaceId: string, userId: string, channelIds: readonly string[]): Promise<string[]> {
    return readablePublicChannels(this.client, userId, channelIds, this.log);
  }

  async readThread(address: ReplyAddress, beforeTs: string): Promise<ThreadMessage[]> {
    if (!address.threadId) return [];
    this.botUserId ??= String((await this.client.auth.test()).user_id);
    // conversations.replies allows one call a minute for some apps: rather than wait that out (for its slot, or a 429's
    // Retry-After), answer without the earlier messages, or with those read before the limit.
    const read: ReadPage<Reply> = async (args) => {
      await this.paceRead('conversations.replies', address, CONTEXT_READ_MAX_WAIT_MS);
      return this.call('conversations.replies', { waitOnRateLimit: false }, () =>
        this.client.conversations.replies({ channel: address.channelId, ts: address.threadId!, ...args }),
      );
    };
    let found: { messages: Reply[]; unread: boolean };
    try {
      found = await readNearest(read, beforeTs, THREAD_HISTORY_LIMIT, readCaps(this.config.appClass));
    } catch (error) {
      if (!(error instanceof RateBudgetExhausted)) throw error;
      const why = `no slot to read the thread within ${CONTEXT_READ_MAX_WAIT_MS / 1000} s: answering without the earlier messages of the thread (SLACK_APP_CLASS=${this.config.appClass} sets how often Slack lets this app read one)`;
      this.log.warn({ channel: address.channelId, nextSlotInS: Math.ceil(error.waitMs / 1000) }, why);
      return [];
    }
    const { messages, unread } = found;
    const thread = await this.named(messages);
    if (!unread) return thread;
    // Said in the thread itself, so the model does not take the start of a long thread for all of it.
    this.log.info({ channel: address.channelId, read: messages.length, appClass: this.config.appClass }, 'read only the start of a long thread (SLACK_APP_CLASS limits)');
    const note = '(The later messages of this thread, up to the question, could not be read within what Slack lets this app read.)';
    return [...thread, { authorId: 'slack', authorName: 'Slack', text: note, fromMe: false }];
  }

  /** Waits for a slot of `method`'s budget in this workspace, shared with every other worker (slack-rate-limits.ts). */
  private async pace(method: PacedMethod, address: ReplyAddress, maxWaitMs = MAX_RATE_LIMIT_WAIT_MS): Promise<void> {
    await this.budget?.acquire(slackBuckets(method, address.workspaceId, address.channelId), maxWaitMs);
  }

  /** Waits for a slot of a read method's budget in this workspace, its limit set by SLACK_APP_CLASS (slack-rate-limits.ts). */
  private async paceRead(method: ReadMethod, address: ReplyAddress, maxWaitMs: number): Promise<void> {
    await this.budget?.acquire([slackReadBucket(method, address.workspaceId, this.config.appClass)], maxWaitMs);
  }

  /** One read of a crash-recovery look-up: it waits for its slot, and waits out a 429, as a duplicate post is worse. */
  private async lookUp<T>(method: ReadMethod, address: ReplyAddress, run: () => Promise<T>): Promise<T> {
    await this.paceRead(method, address, RECOVERY_READ_MAX_WAIT_MS);
    return this.call(method, run);
  }

  /** Takes a slot only if one is free now, for previews, which may be left out. */
  private async tryPace(method: PacedMethod, address: ReplyAddress): Promise<boolean> {
    return (await this.budget?.tryAcquire(slackBuckets(method, address.workspaceId, address.channelId))) ?? true;
  }

  /** Runs a Web API call, waiting out 429s as Slack's Retry-After asks; other errors go to the job's retries. */
  private async call<T>(method: string, ...args: [() => Promise<T>] | [{ waitOnRateLimit: boolean }, () => Promise<T>]): Promise<T> {
    const [options, run] = args.length === 1 ? [{ waitOnRateLimit: true }, args[0]] : args;
    let waited = 0;
    for (;;) {
      try {
        return await run();
      } catch (error) {
        const e = error as { code?: string; retryAfter?: number };
        if (e.code !== ErrorCode.RateLimitedError || !options.waitOnRateLimit || waited >= MAX_RATE_LIMIT_WAIT_MS) throw error;
        const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
        this.log.warn({ method, retryAfterMs: ms }, 'Slack rate limited a call; waiting as asked');
        waited += ms;
        await sleep(ms);
      }
    }
  }
}

/** Names a thread (channel and parent ts) for statusShown. */
function threadKey(address: ReplyAddress): string {
  return `${address.channelId} ${address.threadId ?? ''}`;
}

/** Xiaoliu's message for this part of this delivery, by the metadata every answer message carries. */
function isReplyFor(key: PostKey): (m: SlackMessage) => boolean {
  return (m) => {
    const found = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
    return found?.event_type === REPLY_MARKER && found.event_payload?.delivery_id === key.deliveryId && found.event_payload?.part === key.part;
  };
}

/**
 * A native stream an attempt opened and died before recording, by its streaming_state ('in_progress' |
 * 'completed' | 'errored' in @slack/types): one still open, or one Slack has closed since with nothing in it (a
 * recorded stream is written to, and found by its record instead). Only one opened after everyone else's messages:
 * an older one was left by an earlier question, not this one. A thread answers one question at a time, so nothing
 * else writes to an open stream meanwhile.
 */
function isLeftStream(m: SlackMessage, thread: SlackMessage[]): boolean {
  if (!m.streaming_state) return false;
  if (m.streaming_state !== 'in_progress' && (m.text || m.blocks?.length || m.metadata || m.files)) return false;
  return thread.every((other) => other.user === m.user || !other.ts || tsBefore(other.ts, m.ts!));
}

/** A message of a thread as conversations.replies returns it. */
type Reply = NonNullable<ConversationsRepliesResponse['messages']>[number];

/** What a message read back from Slack carries that matters when looking for one of Xiaoliu's own. */
interface SlackMessage {
  ts?: string;
  user?: string;
  text?: string;
  blocks?: unknown[];
  metadata?: unknown;
  files?: unknown[];
  /** Set on streamed messages: whether the stream is still open ('in_progress'). */
  streaming_state?: string;
}

/**
 * Whether a failed call may still have taken effect: a 5xx, or a request whose answer never arrived. Slack's own
 * refusals (ok: false) and rate limits say for certain that nothing happened.
 */
function outcomeUnknown(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === ErrorCode.HTTPError || code === ErrorCode.RequestError;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
