/*
 * Which Slack workspace a bench channel is in. Slack counts Web API calls "per API method per workspace/team per app"
 * (https://docs.slack.dev/apis/web-api/rate-limits) and delivers at most 30,000 events an hour from one workspace
 * (https://docs.slack.dev/reference/events/app_rate_limited), so hundreds of questions a second can only come from
 * many workspaces: one token installed org-wide on an Enterprise organization, as ALLOWED_SLACK_WORKSPACES allows.
 * The bench names the workspace in each channel id, and the fake Slack counts each workspace's calls on their own.
 */

/** A channel id in workspace `team` (`CA3-17` in `TA3X17` is `CA3-17-TA3X17`). */
export function channelIn(team: string, name: string): string {
  return `${name}-${team}`;
}

/** The workspace channelIn put in a channel id; undefined for any other id (the fake's own workspace then). */
export function teamOfChannel(channel: string): string | undefined {
  return /-(T[A-Z0-9]+)$/.exec(channel)?.[1];
}

/** Workspace `index` of a scenario run (`tag` A, O, T…), fresh per run so no limit is carried over from another. */
export function benchTeam(tag: string, run: number, index: number): string {
  return `T${tag}${run}X${index}`;
}
