import type { AdapterModule } from '../../src/domain/adapter.js';
import { RateBudget } from '../../src/rate/rate-budget.js';
import { readSlackConfig, readSlackWorkspaces, type SlackConfig } from './slack-config.js';

/** Slack: Bolt ingress (HTTP events or Socket Mode), Web API egress. On when SLACK_BOT_TOKEN is set. */
export const slackAdapter: AdapterModule<'slack', SlackConfig> = {
  platform: 'slack',
  readConfig: readSlackConfig,
  readAllowedWorkspaces: readSlackWorkspaces,
  secretFields: ['botToken', 'signingSecret', 'appToken'],
  async createEgress(config, { redis, prefix, log }) {
    const { SlackEgress } = await import('./slack-egress.js');
    // Slack's per-method limits are per workspace, so every worker takes its slots from one budget in Redis.
    return new SlackEgress(config, log, new RateBudget(redis, prefix, { timeScale: config.rateTimeScale }));
  },
  async startIngress(config, deps) {
    const { startSlackIngress } = await import('./slack-ingress.js');
    return startSlackIngress(config, deps);
  },
};
