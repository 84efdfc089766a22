import type { AdapterModule } from '../../src/domain/adapter.js';
import { readDiscordConfig, readDiscordDms, readDiscordGuilds, type DiscordConfig } from './discord-config.js';

/** Discord: discord.js gateway ingress, REST egress, slash commands. On when DISCORD_TOKEN is set. */
export const discordAdapter: AdapterModule<'discord', DiscordConfig> = {
  platform: 'discord',
  readConfig: readDiscordConfig,
  readAllowedWorkspaces: readDiscordGuilds,
  readAllowedDms: readDiscordDms,
  // The bot token; and interaction tokens, which Discord puts in webhook URLs (the egress scrubs its errors of them).
  secretFields: ['token', 'interactionToken'],
  async createEgress(config, { redis, prefix, log }) {
    const { DiscordEgress } = await import('./discord-egress.js');
    return new DiscordEgress(config, redis, prefix, log);
  },
  async startIngress(config, deps) {
    const { startDiscordIngress } = await import('./discord-ingress.js');
    return startDiscordIngress(config, deps);
  },
};
