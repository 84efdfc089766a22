import type { Config } from '../config/read-config.js';
import type { InboundMessage } from '../domain/inbound-message.js';

/**
 * Whether Xiaoliu may answer here, by the allow-lists in config, on every platform alike: the platform's workspace
 * list (ALLOWED_SLACK_WORKSPACES…) and ALLOWED_CHANNELS must each admit the message where set; unset lists admit
 * everything. A platform whose adapter controls access itself (the terminal, the HTTP API's keys) is exempt.
 */
export function isAllowed(config: Config, message: Pick<InboundMessage, 'platform' | 'address'>): boolean {
  const { workspaces, channels, exempt } = config.controls;
  if (exempt.includes(message.platform)) return true;
  const { workspaceId, channelId } = message.address;
  const allowedWorkspaces = workspaces[message.platform];
  if (allowedWorkspaces && !allowedWorkspaces.includes(workspaceId)) return false;
  return !channels || channels.includes(`${message.platform}:${channelId}`);
}
