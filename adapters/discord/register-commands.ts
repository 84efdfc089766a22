// `npm run discord:register`: registers Xiaoliu's slash commands with Discord, globally or in DISCORD_COMMAND_GUILD_ID.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PermissionFlagsBits, REST, Routes, type APIApplication } from 'discord.js';
import type { Command } from '../../src/commands/command.js';
import { createDefaultRouter } from '../../src/commands/default-router.js';
import { readConfig, type DiscordConfig } from '../../src/config/read-config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { slashCommands } from './slash-commands.js';

/** What Xiaoliu needs in a server: read and answer, open threads and talk in them, attach long answers. */
export const INVITE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks;

/** The link a server admin opens to add Xiaoliu, with its permissions and the slash-command scope. */
export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: String(INVITE_PERMISSIONS) });
  return `https://discord.com/oauth2/authorize?${query.toString().replaceAll('+', '%20')}`;
}

export interface Registration {
  applicationId: string;
  /** 'global', or the guild the commands were registered in. */
  scope: string;
  names: string[];
}

/**
 * Replaces the application's commands with one per router command (a bulk PUT, so a command that was removed
 * disappears too). Guild commands appear at once; global ones can take up to an hour to reach every client.
 */
export async function registerCommands(config: DiscordConfig, commands: readonly Command[]): Promise<Registration> {
  const rest = new REST({ api: config.apiUrl }).setToken(config.token);
  const applicationId = config.applicationId ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
  const body = slashCommands(commands);
  const route = config.commandGuildId
    ? Routes.applicationGuildCommands(applicationId, config.commandGuildId)
    : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body })) as { name: string }[];
  return { applicationId, scope: config.commandGuildId ?? 'global', names: registered.map((c) => c.name) };
}

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = readConfig(process.env);
  if (!config.discord) {
    throw new ConfigError('DISCORD_TOKEN', 'DISCORD_TOKEN is required: set it to your bot token (Bot page of your Discord application)');
  }
  const result = await registerCommands(config.discord, createDefaultRouter().commands);
  const where = result.scope === 'global' ? 'globally (may take up to an hour to appear)' : `in server ${result.scope}`;
  console.log(`Registered ${result.names.map((n) => `/${n}`).join(', ')} ${where}.`);
  console.log(`Invite Xiaoliu to a server with:\n  ${inviteUrl(result.applicationId)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    const message = error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message;
    console.error(`xiaoliu: ${message}`);
    process.exit(1);
  });
}
