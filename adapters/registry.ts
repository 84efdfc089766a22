import type { AdapterModule, ConfigOf } from '../src/domain/adapter.js';
import { discordAdapter } from './discord/index.js';
import { httpAdapter } from './http/index.js';
import { shellAdapter } from './shell/index.js';
import { slackAdapter } from './slack/index.js';

/**
 * Every platform Xiaoliu talks on, one line each. Adding one is its folder (adapters/<name>/: index.ts exporting its
 * AdapterModule, its settings reader <name>-config.ts, its egress and its ingress), a line here, and its docs
 * (README, .env.example): settings, allow-lists, log redaction, the follow-up rule and queueing then apply to it.
 */
export const ADAPTERS = [shellAdapter, slackAdapter, discordAdapter, httpAdapter] as const;

/** Each platform's settings, by name; undefined where the platform is off. */
export type PlatformConfigs = { [A in (typeof ADAPTERS)[number] as A['platform']]: ConfigOf<A> | undefined };

/** The registered adapters with their settings, for the loops that start them. */
export function configuredAdapters(platforms: PlatformConfigs): { adapter: AdapterModule; config: unknown }[] {
  const configs = platforms as Record<string, unknown>;
  // Method parameters are checked bivariantly, so each module is usable as an AdapterModule of unknown settings.
  return (ADAPTERS as readonly AdapterModule[]).flatMap((adapter) => {
    const config = configs[adapter.platform];
    return config === undefined ? [] : [{ adapter, config }];
  });
}
