/**
 * The platform a message came from: the name of a registered adapter (adapters/registry.ts), such as 'slack'. The
 * core never lists them, so adding a platform needs no edit here.
 */
export type Platform = string;

/** Where a reply goes: the same workspace, channel and thread as the message that asked. */
export interface ReplyAddress {
  /** Slack team id, Discord guild id ("@dm" for DMs), or the shell's host/user. */
  workspaceId: string;
  /** Channel (or DM channel) id. */
  channelId: string;
  /** Thread the conversation lives in; absent for a top-level message that starts one. */
  threadId?: string;
  /**
   * The adapter's own data about how to answer this one message, carried for it and never read by the core (Discord:
   * the slash-command interaction whose deferred reply the answer edits). Plain strings in the job: never a secret.
   * Not part of the conversation's key.
   */
  adapterData?: Readonly<Record<string, string>>;
}

/** One file attached to an inbound message; the URL is the platform's own, fetched only with the platform's token. */
export interface InboundAttachment {
  name: string;
  mimeType: string;
  size: number;
  url: string;
}

/**
 * A platform message normalized for the queue. Plain JSON because it crosses Redis:
 * ISO strings, no Dates, no class instances, no raw platform payload, never a secret.
 */
export interface InboundMessage {
  v: 1;
  /** Platform-unique delivery id, e.g. "slack-T1-Ev01"; the idempotency key of the whole pipeline. */
  id: string;
  platform: Platform;
  kind: 'mention' | 'slash' | 'thread' | 'dm';
  address: ReplyAddress;
  author: { id: string; name: string; isBot: boolean };
  /** Mentions stripped, platform markup turned into plain Markdown. */
  text: string;
  /** Set when the platform already split a command off (slash commands); otherwise the router parses `text`. */
  command?: { name: string; args: string };
  attachments: InboundAttachment[];
  /** When the platform says the message was sent (ISO 8601); orders messages within a conversation. */
  sentAt: string;
  /** The platform's own id of the message (Slack ts, Discord snowflake), where it has one. */
  messageId?: string;
  /**
   * Set when the message was written inside a thread that already had messages before Xiaoliu was summoned, so the
   * worker reads those once (when the conversation is new) and the answer knows what was said, and by whom.
   */
  inExistingThread?: boolean;
}

/** The key that names one conversation: one per platform thread. */
export function conversationKey(message: Pick<InboundMessage, 'platform' | 'address'>): string {
  const { workspaceId, channelId, threadId } = message.address;
  return [message.platform, workspaceId, channelId, threadId ?? '-'].join('/');
}
