// What the fake Slack workspace holds: messages by channel and thread, users, ephemerals, uploads, assistant status.
import { seenBy, type Rendering } from './fake-slack-views.js';
import { TsClock, compareTs } from './fake-slack-wire.js';

export interface SlackFileRef {
  id: string;
  name: string;
  title?: string;
  /** A shared file's object carries its links and type (https://docs.slack.dev/reference/objects/file-object). */
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  /** Set on replies; a parent's own ts is not stored here (the API view adds it once the thread has replies). */
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text: string;
  blocks?: unknown[];
  files?: SlackFileRef[];
  metadata?: unknown;
  edited?: { user: string; ts: string };
  /**
   * Present on messages made by chat.startStream. `text` holds the markdown streamed so far, and so does the first of
   * `blocks` (see `showStreamed` in fake-slack-methods.ts).
   */
  stream?: {
    state: 'streaming' | 'stopped';
    startedAt: number;
    /** When Slack closes the stream if chat.stopStream has not. */
    endsAt: number;
    /** The markdown chat.startStream itself carried: what people other than the recipient see until the stop. */
    opening: string;
    recipient_team_id?: string;
    recipient_user_id?: string;
    /** Every chunk received, markdown ones included, in order. */
    chunks: unknown[];
  };
}

export interface SeedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  text: string;
  bot_id?: string;
  subtype?: string;
  blocks?: unknown[];
  /** Files shared with the message (a hosted file from `hostFile`). */
  files?: SlackFileRef[];
}

export interface SeedUser {
  id: string;
  name?: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
  tz?: string;
  /** A guest: multi-channel (is_restricted) or single-channel (is_ultra_restricted), https://docs.slack.dev/reference/objects/user-object. */
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
}

/** A channel conversations.info knows (https://docs.slack.dev/reference/methods/conversations.info). */
export interface SeedChannel {
  id: string;
  name?: string;
  /** A private channel (groups:*); public otherwise. */
  is_private?: boolean;
}

export interface EphemeralRecord {
  channel: string;
  user: string;
  text: string;
  thread_ts?: string;
  blocks?: unknown[];
  message_ts: string;
  at: number;
}

export interface UploadRecord {
  file_id: string;
  filename: string;
  title: string;
  /** The length announced to files.getUploadURLExternal. */
  length: number;
  bytes: Buffer;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  at: number;
}

export interface StatusRecord {
  channel_id: string;
  thread_ts: string;
  status: string;
  loading_messages?: string[];
  at: number;
}

export interface TitleRecord {
  channel_id: string;
  thread_ts: string;
  title: string;
  at: number;
}

export interface PromptsRecord {
  channel_id: string;
  thread_ts?: string;
  title?: string;
  prompts: Array<{ title: string; message: string }>;
  at: number;
}

/** An upload between files.getUploadURLExternal and files.completeUploadExternal. */
export interface PendingUpload {
  file_id: string;
  filename: string;
  length: number;
  alt_text?: string;
  bytes?: Buffer;
}

export class SlackState {
  readonly clock = new TsClock();
  private readonly byChannel = new Map<string, SlackMessage[]>();
  readonly users = new Map<string, SeedUser>();
  /** Channels conversations.info answers for; any other id is channel_not_found, as for a channel the bot cannot see. */
  readonly channels = new Map<string, SeedChannel>();
  readonly ephemerals: EphemeralRecord[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly pendingUploads = new Map<string, PendingUpload>();
  readonly statuses: StatusRecord[] = [];
  readonly titles: TitleRecord[] = [];
  readonly suggestedPrompts: PromptsRecord[] = [];
  /** Modals opened (views.open) and App Home tabs published (views.publish), in order. */
  readonly views: ViewRecord[] = [];
  /** Assistant status per 'channel thread_ts'; Slack clears it when the app replies in that thread. */
  readonly currentStatus = new Map<string, string>();
  /** Reactions on messages now, by "<channel> <ts>": each emoji name with the users who added it. */
  readonly reactions = new Map<string, Map<string, Set<string>>>();
  /** Every look each message had, per 'channel ts', in order: what people saw as it changed. */
  private readonly renderings = new Map<string, Rendering[]>();
  private fileCounter = 0;

  constructor(
    readonly bot: { userId: string; botId: string; appId: string; teamId: string },
    private readonly recordLooks = false,
  ) {}

  newFileId(): string {
    this.fileCounter += 1;
    return `F0FAKE${String(this.fileCounter).padStart(5, '0')}`;
  }

  /** Stores a message in ts order (seeded history may arrive out of order). */
  add(message: SlackMessage): SlackMessage {
    this.clock.observe(message.ts);
    const list = this.byChannel.get(message.channel) ?? [];
    list.push(message);
    list.sort((a, b) => compareTs(a.ts, b.ts));
    this.byChannel.set(message.channel, list);
    if (message.bot_id === this.bot.botId && message.thread_ts) this.currentStatus.delete(`${message.channel} ${message.thread_ts}`);
    this.changed(message);
    return message;
  }

  /**
   * Records how a message looks after a change (post, edit, stream call), for `seenOverTime`; only when asked
   * (`recordLooks`), since a benchmark's thousands of answers would otherwise be kept in every version.
   */
  changed(m: SlackMessage): void {
    if (!this.recordLooks) return;
    const key = `${m.channel} ${m.ts}`;
    const looks = this.renderings.get(key) ?? [];
    looks.push(renderingOf(m));
    this.renderings.set(key, looks);
  }

  /** What `userId` sees of the message now (an open stream past its lifetime counts as closed, as Slack closes it). */
  seenBy(channel: string, ts: string, userId: string): string | undefined {
    const m = this.find(channel, ts);
    return m ? seenBy(renderingOf(m), userId) : undefined;
  }

  /** Everything `userId` saw of the message, in order, each look once (a change they could not see adds none). */
  seenOverTime(channel: string, ts: string, userId: string): string[] {
    const looks = (this.renderings.get(`${channel} ${ts}`) ?? []).map((r) => seenBy(r, userId));
    return looks.filter((look, i) => i === 0 || look !== looks[i - 1]);
  }

  /** A message posted by the bot itself, as chat.postMessage / chat.startStream / a file share make them. */
  addBotMessage(fields: Omit<SlackMessage, 'ts' | 'user' | 'bot_id'>): SlackMessage {
    const { thread_ts, ...rest } = fields;
    return this.add({ ...rest, ...(thread_ts ? { thread_ts } : {}), ts: this.clock.next(), user: this.bot.userId, bot_id: this.bot.botId });
  }

  seed(m: SeedMessage): SlackMessage {
    const { thread_ts, ...rest } = m;
    // A parent's own thread_ts is implied; storing it would make the parent look like a reply.
    return this.add({ ...rest, ...(thread_ts && thread_ts !== m.ts ? { thread_ts } : {}) });
  }

  find(channel: string, ts: string): SlackMessage | undefined {
    return this.byChannel.get(channel)?.find((m) => m.ts === ts);
  }

  remove(channel: string, ts: string): boolean {
    const list = this.byChannel.get(channel);
    const i = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** All messages of a channel, or one thread (parent first), in ts order. */
  list(channel: string, threadTs?: string): SlackMessage[] {
    const all = this.byChannel.get(channel) ?? [];
    return threadTs === undefined ? [...all] : all.filter((m) => m.ts === threadTs || m.thread_ts === threadTs);
  }

  user(id: string): SeedUser {
    const seeded = this.users.get(id);
    if (seeded) return seeded;
    if (id === this.bot.userId) return { id, name: 'xiaoliu', real_name: 'Xiaoliu', display_name: 'Xiaoliu', is_bot: true };
    const name = id.toLowerCase();
    return { id, name, real_name: `User ${id}`, display_name: name };
  }

  /** A message as the Web API returns it (conversations.replies, chat.postMessage's `message`). */
  view(m: SlackMessage): Record<string, unknown> {
    const replies = m.thread_ts ? [] : this.list(m.channel, m.ts).filter((r) => r.ts !== m.ts);
    const parent = m.thread_ts ? this.find(m.channel, m.thread_ts) : undefined;
    return {
      type: 'message',
      ...(m.subtype ? { subtype: m.subtype } : {}),
      ...(m.user ? { user: m.user } : {}),
      text: m.text,
      ts: m.ts,
      team: this.bot.teamId,
      ...(m.bot_id ? { bot_id: m.bot_id } : {}),
      ...(m.bot_id === this.bot.botId ? { app_id: this.bot.appId } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.files ? { files: m.files } : {}),
      ...(m.metadata ? { metadata: m.metadata } : {}),
      ...(m.edited ? { edited: m.edited } : {}),
      // Streamed messages say whether their stream is still open (@slack/types 3.2 BotMessageEvent.streaming_state:
      // 'in_progress' | 'completed' | 'errored'; @slack/web-api 8.2's response types list it on the messages of
      // chat.stopStream and of conversations.replies / history). What Slack reports for a stream it ended itself,
      // past its lifetime, is not documented: the fake says 'completed'.
      ...(m.stream ? { streaming_state: isStreaming(m) ? 'in_progress' : 'completed' } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts, ...(parent?.user ? { parent_user_id: parent.user } : {}) } : {}),
      ...(replies.length > 0
        ? {
            thread_ts: m.ts,
            reply_count: replies.length,
            reply_users: [...new Set(replies.map((r) => r.user).filter(Boolean))],
            reply_users_count: new Set(replies.map((r) => r.user).filter(Boolean)).size,
            latest_reply: replies[replies.length - 1]!.ts,
          }
        : {}),
    };
  }
}

/** Whether a streamed message's stream is still open: not stopped, and not yet closed by Slack for its age. */
export function isStreaming(m: SlackMessage): boolean {
  return m.stream?.state === 'streaming' && Date.now() <= m.stream.endsAt;
}

/** How a message looks now: a copy, so later changes do not rewrite what was seen. */
function renderingOf(m: SlackMessage): Rendering {
  const stream = m.stream && isStreaming(m) ? { opening: m.stream.opening, ...(m.stream.recipient_user_id ? { recipient: m.stream.recipient_user_id } : {}) } : undefined;
  return { text: m.text, ...(m.blocks ? { blocks: structuredClone(m.blocks) } : {}), ...(stream ? { stream } : {}) };
}

/** A view the app opened (a modal, with the trigger it used) or published (a user's App Home tab). */
export interface ViewRecord {
  method: 'views.open' | 'views.publish';
  trigger_id?: string;
  user_id?: string;
  view: Record<string, unknown>;
  at: number;
}
