import type { Config } from '../config/read-config.js';
import type { InboundMessage } from '../domain/inbound-message.js';

/**
 * Whether Xiaoliu may answer here, by the allow-lists in config. Each list that is set must admit the message;
 * unset lists admit everything. The shell and the HTTP API are reached by people the operator already let in
 * (a terminal, an API key), so the platform lists do not apply to them.
 */
export function isAllowed(config: Config, message: Pick<InboundMessage, 'platform' | 'address'>): boolean {
  const { slackWorkspaces, discordGuilds, channels } = config.controls;
  const { workspaceId, channelId } = message.address;
  if (message.platform === 'slack' && slackWorkspaces && !slackWorkspaces.includes(workspaceId)) return false;
  if (message.platform === 'discord' && discordGuilds && !discordGuilds.includes(workspaceId)) return false;
  if (channels && (message.platform === 'slack' || message.platform === 'discord')) {
    return channels.includes(`${message.platform}:${channelId}`);
  }
  return true;
}
