import type { ChannelKey } from '../store/channel-settings.js';

/**
 * A link to a message, built from ids alone (no platform call per hit):
 * - Discord: https://discord.com/channels/<guild>/<channel>/<message>, the form of the client's "Copy Message Link"
 *   (a thread is a channel of its own there, and the conversation's channel id is the thread's).
 * - Slack: https://slack.com/archives/<channel>/p<ts without the dot>, with `thread_ts` for a reply in a thread, the
 *   path chat.getPermalink returns (https://docs.slack.dev/reference/methods/chat.getPermalink) on the slack.com host
 *   instead of the workspace's own, which chat.getPermalink would have to be asked for.
 * Without the message's own id, the thread's root stands in for it. Undefined where the platform has no links.
 */
export function permalinkOf(key: ChannelKey, threadId: string, messageId: string | undefined): string | undefined {
  const thread = threadId !== '-' && !threadId.startsWith('~') ? threadId : undefined;
  const id = messageId ?? thread;
  if (!id) return undefined;
  // A Discord thread is a channel whose id is its starter message's: a message inside it is linked through it.
  if (key.platform === 'discord') return `https://discord.com/channels/${key.workspaceId}/${thread && thread !== id ? thread : key.channelId}/${id}`;
  if (key.platform === 'slack') {
    const base = `https://slack.com/archives/${key.channelId}/p${id.replace('.', '')}`;
    return thread && thread !== id ? `${base}?thread_ts=${thread}&cid=${key.channelId}` : base;
  }
  return undefined;
}
