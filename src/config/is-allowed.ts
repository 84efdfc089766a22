import type { ControlsConfig } from './read-config.js';

/** Where a message comes from, as the allow-lists see it: the facts an adapter reports. */
export interface Place {
  platform: string;
  workspaceId: string;
  channelId: string;
  isDm: boolean;
}

/**
 * Whether Xiaoliu may answer here, by the allow-lists in config, on every platform alike: the platform's workspace
 * list (ALLOWED_SLACK_WORKSPACES…) and ALLOWED_CHANNELS must each admit the message where set; unset lists admit
 * everything. A DM on a platform whose DMs belong to no workspace (Discord) is admitted by that platform's own DM
 * setting alone (ALLOWED_DISCORD_DMS), as no list can name it. A platform whose adapter controls access itself (the
 * terminal, the HTTP API's keys) is exempt.
 */
export function isAllowed(controls: ControlsConfig, place: Place): boolean {
  const { workspaces, channels, dms, exempt } = controls;
  if (exempt.includes(place.platform)) return true;
  const dmsAllowed = dms[place.platform];
  if (place.isDm && dmsAllowed !== undefined) return dmsAllowed;
  const allowedWorkspaces = workspaces[place.platform];
  if (allowedWorkspaces && !allowedWorkspaces.includes(place.workspaceId)) return false;
  return !channels || channels.includes(`${place.platform}:${place.channelId}`);
}
