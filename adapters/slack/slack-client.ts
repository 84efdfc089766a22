import type { Logger as BoltLogger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackConfig } from './slack-config.js';
import { createLeanFetch } from '../../src/net/lean-fetch.js';

/** One connection pool for every Slack client of the process. */
const leanFetch = createLeanFetch();

/**
 * Web API client options. The client's own retries are off: by default it retries 5xx for ~30 minutes, and a post
 * that reached Slack before the 5xx would then be posted twice. Rate limits are surfaced instead of queued, so the
 * egress waits out `Retry-After` itself and never holds a whole client's queue. Calls go through the lean fetch
 * (src/net/lean-fetch.ts): a third of the CPU of Node's own.
 */
export function slackClientOptions(config: SlackConfig, logger: BoltLogger): WebClientOptions {
  return {
    slackApiUrl: config.apiUrl,
    logger,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    fetch: leanFetch,
  };
}

export function createSlackClient(config: SlackConfig, logger: BoltLogger): WebClient {
  return new WebClient(config.botToken, slackClientOptions(config, logger));
}
