/**
 * The platform a message came from: the name of a registered adapter (adapters/registry.ts), such as 'slack'. The
 * core never lists them, so adding a platform needs no edit here.
 */
export type Platform = string;

/** Where a reply goes: the same workspace, channel and thread as the message that asked. */
export interface ReplyAddress {
  /**
   * The tenant: Slack team id, Discord guild id ("@dm:<DM channel id>" for a DM: each person's DMs are their own), the
   * HTTP API's "api:<user id>", or the shell's host. Roles, usage, budgets and settings never reach past it.
   */
  workspaceId: string;
  /** Channel (or DM channel) id. */
  channelId: string;
  /** Thread the conversation lives in; absent for a top-level message that starts one. */
  threadId?: string;
  /**
   * For a message answered in place (no thread), the line it waits in and the conversation it continues, when that is
   * not the whole channel's: a Discord slash command outside a thread takes its asker's own, so one member's slow
   * command never holds up another's. Part of the conversation's key; never where the answer is posted.
   */
  lane?: string;
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
  /**
   * People the text names as "@Name" where the platform's message had their id (Discord writes names for the model),
   * by that "@Name": their user ids, so a command such as `role @Name admin` acts on the person meant. A name two
   * mentioned people share is left out.
   */
  mentionedUsers?: Readonly<Record<string, string>>;
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
  /**
   * Set on the message Regenerate queues (src/interactions/): the question is asked again and the new answer replaces
   * `replaces` (that answer's delivery id) in place, in the thread and in the stored conversation, where it is kept
   * under `questionId` (the original message's delivery id), so the thread holds one answer per question.
   */
  regenerate?: { questionId: string; replaces: string };
  /**
   * Set on the message an Approve or Deny (or the timeout) queues for a tool call that waited for its asker
   * (src/tools/tool-approval.ts): the turn stored with `id` continues, or ends as decided. Never set from text.
   */
  toolApproval?: { id: string };
}

/** The thread part of a conversation's key (its row's thread_id): the thread, else the lane ("~<lane>"), else '-'. */
export function threadKeyOf(address: Pick<ReplyAddress, 'threadId' | 'lane'>): string {
  return address.threadId ?? (address.lane ? `~${address.lane}` : '-');
}

/** The key that names one conversation: one per platform thread (or lane). */
export function conversationKey(message: Pick<InboundMessage, 'platform' | 'address'>): string {
  const { workspaceId, channelId } = message.address;
  return [message.platform, workspaceId, channelId, threadKeyOf(message.address)].join('/');
}
