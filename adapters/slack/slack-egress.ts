import { ErrorCode, type WebClient } from '@slack/web-api';
import type { SlackConfig } from '../../src/config/read-config.js';
import type { Egress, EgressLimits, NativeStream, OutboundFile, PostKey, PostedMessage, ThreadMessage } from '../../src/domain/egress.js';
import type { InboundAttachment, ReplyAddress } from '../../src/domain/inbound-message.js';
import { downloadAttachment } from '../../src/attachments/download-attachment.js';
import type { Logger } from '../../src/log/create-logger.js';
import { boltLogger } from './bolt-logger.js';
import { toMrkdwn } from './format-mrkdwn.js';
import { defuseBroadcasts } from './mrkdwn-tokens.js';
import { createSlackClient } from './slack-client.js';
import { UserNames } from './user-names.js';

// chat.postMessage allows about one message per second per channel: pace posts so Slack never has to say 429.
const POST_INTERVAL_MS = 1100;
// chat.update and chat.appendStream share tier 3's ~50 calls a minute per channel: a long answer, or several answers
// streaming in one channel, wait for a slot rather than run into 429s (kept a little under 50 for margin).
const UPDATES_PER_MINUTE = 45;
// One append a second follows the Web API's own chatStream helper (256 characters at a time, about a second of a
// model's output) and costs a third of the calls of appending every 400 ms (npm run bench: 1,000 streams at once).
const APPEND_INTERVAL_MS = 1000;
// Past this much waiting for rate limits, fail the call and let the job retry later instead of holding a worker.
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const THREAD_HISTORY_LIMIT = 50;
// Invisible metadata on every answer message, naming its delivery and part, so a post whose outcome is unknown (a
// 5xx or a lost connection after Slack may have made it) can be found instead of posted twice.
const REPLY_MARKER = 'xiaoliu_reply';
// How far back to look for a message whose post may have succeeded: the newest messages of a channel, or of a thread.
const LOOKBACK_MESSAGES = 1000;

/**
 * The worker's side of Slack: posts, edits and uploads through the Web API (REST only, so any worker can answer).
 * Markdown from the model becomes mrkdwn here, with @channel-style pings neutralized.
 */
export class SlackEgress implements Egress {
  readonly platform = 'slack' as const;
  readonly limits: EgressLimits;
  private readonly client: WebClient;
  private readonly names: UserNames;
  private readonly nextPostAt = new Map<string, number>();
  /** When each channel's recent edits and appends were sent, for paceUpdates. */
  private readonly updatesAt = new Map<string, number[]>();
  private updatesPrunedAt = 0;
  private botUserId: string | undefined;

  constructor(
    private readonly config: SlackConfig,
    private readonly log: Logger,
  ) {
    this.client = createSlackClient(config, boltLogger(log.child({ adapter: 'slack' })));
    this.names = new UserNames(this.client, log);
    // Slack advises keeping messages under 4,000 characters; mrkdwn conversion adds escapes and table padding, so
    // parts are cut with room to spare.
    this.limits = { maxMessageChars: 3500, editIntervalMs: config.editIntervalMs, maxParts: 4, appendIntervalMs: APPEND_INTERVAL_MS };
    if (config.nativeStreaming) this.nativeStream = this.createNativeStream();
  }

  readonly nativeStream?: NativeStream;

  /** "is thinking…" under the question, where Slack shows thread status (assistant threads); best effort. */
  async setStatus(address: ReplyAddress, status: string): Promise<void> {
    // Slack shows thread status in assistant threads (DMs with the app); elsewhere the call only fails.
    if (!address.threadId || !address.channelId.startsWith('D')) return;
    await this.client.assistant.threads.setStatus({ channel_id: address.channelId, thread_ts: address.threadId, status });
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
   * edits instead.
   */
  private createNativeStream(): NativeStream {
    const streams = new Map<string, { raw: string; sent: string }>();
    const safe = (markdown: string) => defuseBroadcasts(markdown).replace(/<([!@#])/g, '<\u200B$1');
    /** What to append now: the defused text so far, less what was sent, less a tail that may be half a ping. */
    const next = (messageId: string, markdown: string, final: boolean): string => {
      const state = streams.get(messageId) ?? { raw: '', sent: '' };
      state.raw += markdown;
      const hold = final ? 0 : (/(<[!@#]?|@\w*)$/.exec(state.raw)?.[0].length ?? 0);
      const ready = safe(state.raw.slice(0, state.raw.length - hold));
      const piece = ready.slice(state.sent.length);
      state.sent = ready;
      if (final) streams.delete(messageId);
      else streams.set(messageId, state);
      return piece;
    };
    return {
      start: async (address, recipientId, retry) => {
        if (!address.threadId) return undefined;
        // A stream carries no metadata, but one the attempt before opened and did not record is the thread's empty
        // message: it lived only the moment between chat.startStream and the record.
        const earlier = retry ? await this.findOwnMessage(address, isOpenStream, { waitOnRateLimit: false }) : undefined;
        if (earlier) return earlier;
        try {
          const result = await this.call('chat.startStream', () =>
            this.client.chat.startStream({
              channel: address.channelId,
              thread_ts: address.threadId!,
              // Required outside DMs: the stream is shown to the person who asked.
              ...(address.channelId.startsWith('D') ? {} : { recipient_team_id: address.workspaceId, recipient_user_id: recipientId }),
            }),
          );
          return { messageId: String(result.ts) };
        } catch (error) {
          // The stream may be open all the same; a stream carries no metadata, but it is the thread's empty message.
          const opened = outcomeUnknown(error) ? await this.findOwnMessage(address, isOpenStream) : undefined;
          if (opened) return opened;
          throw error;
        }
      },
      append: async (address, messageId, markdown) => {
        const piece = next(messageId, markdown, false);
        if (!piece) return;
        await this.paceUpdates(address.channelId);
        await this.call('chat.appendStream', () =>
          this.client.chat.appendStream({ channel: address.channelId, ts: messageId, markdown_text: piece }),
        );
      },
      stop: async (address, messageId, markdown) => {
        const piece = next(messageId, markdown ?? '', true);
        await this.call('chat.stopStream', () =>
          this.client.chat.stopStream({ channel: address.channelId, ts: messageId, ...(piece ? { markdown_text: piece } : {}) }),
        );
      },
    };
  }

  async post(address: ReplyAddress, text: string, key?: PostKey): Promise<PostedMessage> {
    if (key?.retry) {
      // Slack has no idempotency key: the attempt before may have posted this part and died before recording it.
      const earlier = await this.findOwnMessage(address, isReplyFor(key), { waitOnRateLimit: false });
      if (earlier) {
        await this.edit(address, earlier.messageId, text);
        return earlier;
      }
    }
    await this.paceChannel(address.channelId);
    const metadata = key ? { event_type: REPLY_MARKER, event_payload: { delivery_id: key.deliveryId, part: key.part } } : undefined;
    try {
      const result = await this.call('chat.postMessage', () =>
        this.client.chat.postMessage({
          channel: address.channelId,
          ...(address.threadId ? { thread_ts: address.threadId } : {}),
          text: toMrkdwn(text),
          unfurl_links: false,
          unfurl_media: false,
          ...(metadata ? { metadata } : {}),
        }),
      );
      return { messageId: String(result.ts) };
    } catch (error) {
      // Posting again blindly would show the message twice if Slack made it before failing: look for it first.
      const posted = key && outcomeUnknown(error) ? await this.findOwnMessage(address, isReplyFor(key)) : undefined;
      if (posted) return posted;
      throw error;
    }
  }

  /**
   * The newest of Xiaoliu's own messages at the address (its thread, or the channel's top level) that `matches`;
   * undefined if none, or if Slack cannot be asked either (the job's retry then tries the whole call again).
   */
  private async findOwnMessage(
    address: ReplyAddress,
    matches: (m: SlackMessage, thread: SlackMessage[]) => boolean,
    options = { waitOnRateLimit: true },
  ): Promise<PostedMessage | undefined> {
    try {
      this.botUserId ??= String((await this.client.auth.test()).user_id);
      const query = { channel: address.channelId, limit: LOOKBACK_MESSAGES, include_all_metadata: true };
      const messages: SlackMessage[] = address.threadId
        ? ((await this.call('conversations.replies', options, () => this.client.conversations.replies({ ...query, ts: address.threadId! }))).messages ?? [])
        : ((await this.call('conversations.history', options, () => this.client.conversations.history(query))).messages ?? []);
      const own = messages.filter((m) => m.user === this.botUserId && m.ts && m.ts !== address.threadId && matches(m, messages));
      const newest = own.sort((a, b) => (tsBefore(a.ts!, b.ts!) ? -1 : 1)).at(-1);
      if (newest) this.log.warn({ channel: address.channelId, ts: newest.ts }, 'Slack failed a call that had worked; using its message');
      return newest ? { messageId: newest.ts! } : undefined;
    } catch (error) {
      this.log.warn({ err: error }, 'could not check whether a failed Slack call had worked');
      return undefined;
    }
  }

  async edit(address: ReplyAddress, messageId: string, text: string): Promise<void> {
    await this.paceUpdates(address.channelId);
    await this.call('chat.update', () => this.client.chat.update({ channel: address.channelId, ts: messageId, text: toMrkdwn(text) }));
  }

  async upload(address: ReplyAddress, file: OutboundFile): Promise<PostedMessage> {
    const comment = file.comment ? { initial_comment: toMrkdwn(file.comment) } : {};
    const upload = address.threadId
      ? () => this.client.filesUploadV2({ channel_id: address.channelId, thread_ts: address.threadId!, file: file.data, filename: file.filename, ...comment })
      : () => this.client.filesUploadV2({ channel_id: address.channelId, file: file.data, filename: file.filename, ...comment });
    const result = (await this.call('files.uploadV2', upload)) as { files?: { files?: { id?: string }[] }[] };
    return { messageId: result.files?.[0]?.files?.[0]?.id ?? file.filename };
  }

  /**
   * A file someone attached (url_private), fetched with the bot token, which goes only to Slack's file host (or to
   * SLACK_API_URL's host, where a proxy or a test stands in for Slack).
   */
  async download(attachment: InboundAttachment, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return downloadAttachment(attachment, {
      allowedOrigins: ['https://files.slack.com', new URL(this.config.apiUrl).origin],
      headers: { authorization: `Bearer ${this.config.botToken}` },
      maxBytes,
      platform: 'Slack',
      ...(signal ? { signal } : {}),
    });
  }

  /** The thread's messages before Xiaoliu was summoned, read once (conversations.replies is heavily rate limited). */
  async readThread(address: ReplyAddress, beforeTs: string): Promise<ThreadMessage[]> {
    if (!address.threadId) return [];
    this.botUserId ??= String((await this.client.auth.test()).user_id);
    // conversations.replies allows about one call a minute for most apps: rather than wait that out, answer without
    // the earlier messages (the caller logs it).
    const result = await this.call('conversations.replies', { waitOnRateLimit: false }, () =>
      this.client.conversations.replies({ channel: address.channelId, ts: address.threadId!, limit: THREAD_HISTORY_LIMIT }),
    );
    const earlier = (result.messages ?? []).filter((m) => m.ts && tsBefore(m.ts, beforeTs) && m.text);
    // One lookup per person, all at once (each may take up to a second on a cold cache).
    const people = [...new Set(earlier.filter((m) => !m.bot_id && m.user).map((m) => m.user!))];
    const names = new Map(await Promise.all(people.map(async (id) => [id, await this.names.nameOf(id)] as const)));
    return earlier.map((m) => {
      const fromMe = m.user === this.botUserId;
      return {
        authorId: m.user ?? m.bot_id ?? 'unknown',
        authorName: fromMe ? 'Xiaoliu' : m.bot_id ? 'a bot' : (names.get(m.user!) ?? m.user ?? 'someone'),
        text: m.text!,
        fromMe,
      };
    });
  }

  /** Waits until this channel may take another post. */
  private async paceChannel(channelId: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextPostAt.get(channelId) ?? 0);
    this.nextPostAt.set(channelId, at + POST_INTERVAL_MS);
    // Channels whose slot has passed need no entry: forget them now and then so the map stays small.
    if (this.nextPostAt.size > 1000) for (const [id, t] of this.nextPostAt) if (t < now) this.nextPostAt.delete(id);
    if (at > now) await sleep(at - now);
  }

  /** Waits until this channel may take another edit or append: at most UPDATES_PER_MINUTE in any minute. */
  private async paceUpdates(channelId: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const recent = (this.updatesAt.get(channelId) ?? []).filter((t) => t > now - 60_000);
      if (recent.length < UPDATES_PER_MINUTE) {
        recent.push(now);
        this.updatesAt.set(channelId, recent);
        // Channels quiet for a minute need no entry: forget them once a minute so the map stays small.
        if (now - this.updatesPrunedAt > 60_000) {
          this.updatesPrunedAt = now;
          for (const [id, times] of this.updatesAt) if (times.at(-1)! <= now - 60_000) this.updatesAt.delete(id);
        }
        return;
      }
      this.updatesAt.set(channelId, recent);
      await sleep(recent[0]! + 60_000 - now);
    }
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

/** Xiaoliu's message for this part of this delivery, by the metadata every answer message carries. */
function isReplyFor(key: PostKey): (m: SlackMessage) => boolean {
  return (m) => {
    const found = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
    return found?.event_type === REPLY_MARKER && found.event_payload?.delivery_id === key.deliveryId && found.event_payload?.part === key.part;
  };
}

/**
 * A native stream not yet written to (no text, metadata or files), opened after everyone else's messages: an empty
 * stream older than the newest of those was left by an earlier question, not this one.
 */
function isOpenStream(m: SlackMessage, thread: SlackMessage[]): boolean {
  if (m.text || m.metadata || m.files) return false;
  return thread.every((other) => other.user === m.user || !other.ts || tsBefore(other.ts, m.ts!));
}

/** What a message read back from Slack carries that matters when looking for one of Xiaoliu's own. */
interface SlackMessage {
  ts?: string;
  user?: string;
  text?: string;
  metadata?: unknown;
  files?: unknown[];
}

/**
 * Whether a failed call may still have taken effect: a 5xx, or a request whose answer never arrived. Slack's own
 * refusals (ok: false) and rate limits say for certain that nothing happened.
 */
function outcomeUnknown(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === ErrorCode.HTTPError || code === ErrorCode.RequestError;
}

/** Slack ts ('1700000000.000100') are microsecond times: compare them exactly, not as floats. */
function tsBefore(a: string, b: string): boolean {
  const micros = (ts: string) => {
    const [seconds = '0', fraction = '0'] = ts.split('.');
    return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  };
  return micros(a) < micros(b);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
