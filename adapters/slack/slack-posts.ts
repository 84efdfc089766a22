import type { PostIndexer } from '../../src/knowledge/post-indexer.js';
import type { ChannelPost } from '../../src/knowledge/channel-posts.js';
import type { Logger } from '../../src/log/create-logger.js';
import { fromSlackText } from './from-slack-text.js';
import type { UserNames } from './user-names.js';

/**
 * A Slack message event as the channel index reads it. Shapes from https://docs.slack.dev/reference/events/message
 * and its subtypes: message_changed carries the new `message` (and `previous_message`), message_deleted the
 * `deleted_ts` (https://docs.slack.dev/reference/events/message/message_changed,
 * https://docs.slack.dev/reference/events/message/message_deleted).
 */
export interface SlackPostEvent {
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  /** A legacy bot's or webhook's name (bot_message). */
  username?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  message?: { subtype?: string; user?: string; bot_id?: string; username?: string; text?: string; ts?: string; thread_ts?: string };
  deleted_ts?: string;
}

/** Who Xiaoliu is on Slack: its own posts are not indexed from events (its answers are indexed as it stores them). */
export interface SlackSelf {
  botUserId: string;
  botId: string;
}

// What people (and other bots) say; joins, topic changes, pins and the like are the platform's notices, not talk.
const SAID = new Set([undefined, 'file_share', 'thread_broadcast', 'bot_message', 'me_message']);
// Public and private channels; DMs and group DMs are never indexed (src/knowledge/post-indexer.ts).
const CHANNEL_TYPES = new Set(['channel', 'group']);

/**
 * Hands a channel message event (message.channels, message.groups) to the index: a post, an edit (its new text under
 * the same ts) or a deletion. Called for every message event, before anything decides whether Xiaoliu answers it;
 * returns at once (the index write and any users.info look-up for the author's name run after the event is taken).
 */
export function notePost(posts: PostIndexer, names: UserNames, self: SlackSelf, teamId: string, e: SlackPostEvent, log: Logger): void {
  if (!CHANNEL_TYPES.has(e.channel_type ?? '') || typeof e.channel !== 'string') return;
  const key = { platform: 'slack', workspaceId: teamId, channelId: e.channel };
  if (e.subtype === 'message_deleted') {
    if (typeof e.deleted_ts === 'string') posts.deleted(key, [e.deleted_ts]);
    return;
  }
  const said = e.subtype === 'message_changed' ? e.message : e;
  if (!said || typeof said.ts !== 'string' || !/^\d{1,12}(\.\d{1,6})?$/.test(said.ts)) return;
  // A thread's parent deleted while it has replies stays as a "This message was deleted." tombstone.
  if (said.subtype === 'tombstone') return posts.deleted(key, [said.ts]);
  if (!SAID.has(said.subtype) || typeof said.text !== 'string' || !said.text) return;
  if (said.user === self.botUserId || said.bot_id === self.botId) return;
  const { ts, text } = said;
  const fromBot = Boolean(said.bot_id) || said.subtype === 'bot_message';
  void (fromBot || !said.user ? Promise.resolve(said.username ?? 'a bot') : names.nameOf(said.user))
    .then((authorName) => {
      const post: ChannelPost = {
        ...key,
        threadId: said.thread_ts ?? ts,
        messageId: ts,
        authorId: said.user ?? said.bot_id ?? 'unknown',
        authorName,
        fromBot,
        text: fromSlackText(text, self.botUserId),
        postedAt: new Date(Number(ts) * 1000).toISOString(),
      };
      posts.posted(post);
    })
    .catch((error: unknown) => log.warn({ err: error }, 'could not index a Slack message'));
}
