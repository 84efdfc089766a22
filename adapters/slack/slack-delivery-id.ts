/**
 * The delivery id of a Slack message: one per message (not per event: a mention arrives as app_mention and as
 * message, and Slack's retries repeat it), so Slack's redeliveries produce one answer.
 */
export function slackDeliveryId(teamId: string, channelId: string, ts: string): string {
  return `slack-${teamId}-${channelId}-${ts}`;
}

/**
 * The ts of the message a delivery answers, from its id; undefined for an id not made by slackDeliveryId. Xiaoliu's
 * answer to it is always newer (Slack's ts only grow), which bounds the look-up for an answer a dead attempt posted.
 * A delivery derived from the message (`<id>#<what>`: a parallel run's merge, `#merge`) answers the same message in
 * the same thread, later still, so it has the same bound.
 */
export function questionTsOf(deliveryId: string): string | undefined {
  return /^slack-.+-(\d{1,12}\.\d{1,6})(?:#[^#]+)?$/.exec(deliveryId)?.[1];
}
