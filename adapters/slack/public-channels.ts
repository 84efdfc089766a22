import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../src/log/create-logger.js';

/** Most channels checked per search: one conversations.info each (Tier 3, about 50 a minute per workspace). */
export const MAX_CHANNELS_CHECKED = 20;

/**
 * Of these channels, the public ones the person can read. In Slack every full member of a workspace can read its
 * public channels; guests (`is_restricted` multi-channel, `is_ultra_restricted` single-channel) read only the channels
 * they were invited to (https://docs.slack.dev/reference/objects/user-object), which this does not look up: for a
 * guest, none. A channel is public when conversations.info says `is_private: false` and it is neither a DM nor a
 * group DM (https://docs.slack.dev/reference/methods/conversations.info). Any error leaves the channel out.
 */
export async function readablePublicChannels(client: WebClient, userId: string, channelIds: readonly string[], log: Logger): Promise<string[]> {
  try {
    const { user } = await client.users.info({ user: userId });
    if (!user || user.is_restricted || user.is_ultra_restricted || user.is_bot || user.deleted) return [];
  } catch (error) {
    log.warn({ err: error }, 'could not look up the asker to search other channels; searching this one only');
    return [];
  }
  const checked = await Promise.all(
    channelIds.slice(0, MAX_CHANNELS_CHECKED).map(async (id) => {
      try {
        const { channel } = await client.conversations.info({ channel: id });
        const open = channel && channel.is_private === false && !channel.is_im && !channel.is_mpim && channel.id === id;
        return open ? id : undefined;
      } catch (error) {
        log.debug({ err: error, channel: id }, 'could not check a channel for a cross-channel search; left out');
        return undefined;
      }
    }),
  );
  return checked.filter((id): id is string => id !== undefined);
}
