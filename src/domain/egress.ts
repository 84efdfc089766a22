import type { InboundAttachment, InboundMessage, Platform, ReplyAddress } from './inbound-message.js';

/** A message Xiaoliu posted, as the platform names it, so it can be edited later. */
export interface PostedMessage {
  /** The platform's id of the posted message (Slack ts, Discord snowflake, shell sequence). */
  messageId: string;
}

/**
 * Which message of which answer a post is. The same key always means the same message, so a platform that can
 * deduplicate creates (Discord's enforced nonce) turns a retried post into the message already posted.
 */
export interface PostKey {
  /** The delivery being answered. */
  deliveryId: string;
  /** The part of the answer: 0 is the message that streams, then the split parts or the attached file. */
  part: number;
  /**
   * A later attempt of the delivery: the attempt before it may have made this post and died before recording it, so
   * look for it first (and bring it up to date) rather than post twice. Platforms that dedupe creates need not look,
   * but still bring up to date what the dedupe returns (it holds the earlier attempt's text).
   */
  retry?: boolean;
}

/**
 * A message's text, or how to get it at the moment the message goes out. A post may first wait for the platform's
 * rate limit (Slack: one message a second in a channel); by then the whole answer may be known, and the post carries
 * it instead of a placeholder that would take an edit more.
 */
export type OutboundText = string | (() => string);

/** The text to send now. */
export function textOf(text: OutboundText): string {
  return typeof text === 'function' ? text() : text;
}

/** A file Xiaoliu attaches to a reply (long answers, generated documents, images). */
export interface OutboundFile {
  filename: string;
  mimeType: string;
  /** File content; base64 when it crosses a process boundary. */
  data: Buffer;
  /** A line of text posted with the file. */
  comment?: string;
}

/** A message that was in a thread before Xiaoliu joined it. */
export interface ThreadMessage {
  authorId: string;
  authorName: string;
  text: string;
  /** Whether Xiaoliu itself wrote it (it becomes an assistant turn). */
  fromMe: boolean;
  /** Files shared with it, read like a question's when Xiaoliu is summoned into the thread. */
  attachments?: InboundAttachment[];
  /** The platform's id of the message (Slack ts, Discord snowflake), where read from the platform. */
  messageId?: string;
  /** When it was posted (ISO), where read from the platform. */
  sentAt?: string;
  /** Written by another bot or an integration. */
  fromBot?: boolean;
}

/**
 * Streaming: the answer goes out as it grows, in pieces (deltas), instead of Xiaoliu editing a message again and
 * again. Slack renders it natively (chat.startStream / appendStream / stopStream); the terminal and the HTTP API
 * receive the pieces over Redis (src/relay/).
 */
export interface NativeStream {
  /**
   * Opens a streaming message in the address's thread, for the person who asked. Undefined where not possible or
   * not wanted (Slack shows a channel stream live only to its recipient: there, everyone watches edits instead).
   * `key` names the message, as for `post`; with `retry`, an earlier attempt may have opened one and died before
   * recording it: reuse it if so.
   */
  start(address: ReplyAddress, recipientId: string, key: PostKey): Promise<StartedStream | undefined>;
  /**
   * Appends Markdown to the streaming message. False: held back because the platform's rate budget is tight; it goes
   * with the next append (an empty one just tries again) or with `stop`, so nothing is lost.
   */
  append(address: ReplyAddress, messageId: string, markdown: string): Promise<boolean | void>;
  /**
   * Ends the stream, optionally with a last piece of Markdown and the answer's buttons (Slack: blocks under the
   * streamed text, its native feedback buttons among them); the message is then edited like any other.
   */
  stop(address: ReplyAddress, messageId: string, markdown?: string, controls?: AnswerControls): Promise<void>;
}

/**
 * The buttons under an answer (src/interactions/): Stop while it streams; Regenerate and 👍 / 👎 once it is done or
 * stopped; 'none' takes them away (an error replaced the answer). `answerId` is the answer's delivery id, the key of
 * its row in `answers`: each platform carries it in the button (Slack's value, Discord's custom_id, the console's
 * request path) and the gateway looks everything else up in Postgres.
 */
export interface AnswerControls {
  answerId: string;
  /** 'approval': Approve and Deny on a tool call waiting for its asker; `answerId` is then the approval's id. */
  state: 'streaming' | 'done' | 'stopped' | 'none' | 'approval';
  /** Claude suggested remembering a fact with this answer: a "Remember this" button joins the others once it ends. */
  remember?: boolean;
}

/** What kind of edit this is, so a platform short of rate budget knows which edits it may leave out. */
export interface EditOptions {
  /** The answer's buttons, shown with this text; undefined leaves the message without any. */
  controls?: AnswerControls;
  /**
   * A streaming preview, soon replaced by more text: a platform may skip it when its rate budget is tight, and says
   * so by returning false. The next edit, and always the final one, carries the whole text.
   */
  preview?: boolean;
}

/** The message `NativeStream.start` opened, or found left by an earlier attempt. */
export interface StartedStream extends PostedMessage {
  /**
   * False when it is an earlier attempt's stream that the platform has closed since (it closes streams left open):
   * nothing can be appended to it any more, so it is edited like any other message.
   */
  open: boolean;
}

/** How a platform wants answers shaped and paced. */
export interface EgressLimits {
  /** Longest text one message may carry. */
  maxMessageChars: number;
  /** Least time between two edits of a streaming message. */
  editIntervalMs: number;
  /** Most messages one answer may be split into before it is attached as a file instead. */
  maxParts: number;
  /** Least time between two appends to a native stream (cheaper than edits, so more often). */
  appendIntervalMs?: number;
}

/**
 * The worker's side of an adapter: how an answer reaches the platform. Only REST-like calls, so any worker on any
 * machine can post; the gateway's sockets are never needed. Optional capabilities are optional methods.
 */
export interface Egress {
  readonly platform: Platform;
  readonly limits: EgressLimits;
  /**
   * Posts a new message in the address's channel and thread; `key` names it, for platforms that dedupe posts. A text
   * given as a function is read as late as the platform allows: after waiting for the rate limit.
   */
  post(address: ReplyAddress, text: OutboundText, key?: PostKey, options?: Pick<EditOptions, 'controls'>): Promise<PostedMessage>;
  /** Replaces the text of a message this egress posted; false when a preview was skipped (see EditOptions). */
  edit(address: ReplyAddress, messageId: string, text: string, options?: EditOptions): Promise<boolean | void>;
  /** Attaches a file in the address's channel and thread. */
  upload?(address: ReplyAddress, file: OutboundFile, key?: PostKey): Promise<PostedMessage>;
  /** Native streaming, where the platform has it; otherwise answers stream by editing one message. */
  readonly nativeStream?: NativeStream;
  /** Shows that Xiaoliu is working ("is thinking…"); cleared by the next post or edit. */
  setStatus?(address: ReplyAddress, status: string): Promise<void>;
  /** Whether `setStatus` shows its words (Slack's thread status), rather than only that Xiaoliu is busy (typing). */
  readonly statusShowsText?: boolean;
  /**
   * Tells a client that shows it what Xiaoliu is doing on the way to an answer ("Searching the web for …", "Read
   * example.com"): the relays' clients, the web console and the terminal. Best effort.
   */
  activity?(address: ReplyAddress, deliveryId: string, text: string): Promise<void>;
  /**
   * Tells the asker that their message waits in line, no worker having taken it yet (the gateway's herald,
   * src/ingress/herald.ts): `ahead` messages are taken before it (undefined when unknown). Called again when that
   * changes, and every `queuedRefreshMs` while it waits, for a sign that fades (a typing indicator). `first` is the
   * first call for this message. Best effort: what it shows is replaced by the answer (its status, its post). False:
   * nothing could be shown now (the platform's budget is tight); the next look tries again.
   */
  showQueued?(message: InboundMessage, ahead: number | undefined, first: boolean): Promise<boolean | void>;
  /** How often `showQueued` is called again while nothing changed; never when absent. */
  readonly queuedRefreshMs?: number;
  /**
   * The message left the line (`finished`: answered already, before its wait was seen to end): takes away what
   * `showQueued` left that the answer does not replace by itself (Slack's reaction on a top-level DM).
   */
  clearQueued?(message: InboundMessage, finished: boolean): Promise<void>;
  /**
   * The thread's messages written before the message `beforeMessageId`, oldest first: read once when Xiaoliu is
   * first summoned into a thread that already has a discussion.
   */
  readThread?(address: ReplyAddress, beforeMessageId: string): Promise<ThreadMessage[]>;
  /**
   * The channel's messages (top level) since `sinceMs` (epoch ms), oldest first, read page by page within the
   * platform's limits (`summarize 6h`); a note says so when the limits left some unread.
   */
  readChannel?(address: ReplyAddress, sinceMs: number): Promise<ThreadMessage[]>;
  /**
   * Of `channelIds` (channels of `workspaceId`), those that are public and that `userId` can read, as the platform
   * says now: what a knowledge search may reach beyond the channel asked in (src/knowledge/search-tool.ts). Absent
   * where the platform has no channels of other people; any doubt (an error, a guest) leaves a channel out.
   */
  readablePublicChannels?(workspaceId: string, userId: string, channelIds: readonly string[]): Promise<string[]>;
  /** Names a thread (Slack's assistant panel lists threads by title); called with the first question. */
  setTitle?(address: ReplyAddress, title: string): Promise<void>;
  /**
   * Downloads a file attached to a message, refusing one over `maxBytes` (by its declared size, and by counting while
   * reading). The platform's credentials go only to its own file hosts: a URL elsewhere is refused unrequested. A
   * refusal is a UserFacingError naming the file and the reason; a failed download, any other error.
   */
  download?(attachment: InboundAttachment, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * A regenerated answer is written as a new message, which the client puts in place of the old one itself (the
   * HTTP API, the shell: they hear one delivery's answer); elsewhere it edits the messages of the answer it replaces.
   */
  readonly regeneratesAsNew?: boolean;
  /**
   * Where to post to a user privately (Slack: the app's DM with them; Discord: their DM channel), for what only they
   * may read: a console link code. Absent where every conversation is already private (the terminal, the HTTP API).
   */
  openDirect?(workspaceId: string, userId: string): Promise<ReplyAddress>;
  /** Called once a delivery's answer is fully posted (clears a status, gives the shell its prompt back). */
  done?(address: ReplyAddress, deliveryId: string): Promise<void>;
}
