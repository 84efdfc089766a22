// `npm run discord:register [-- --remove]`: registers (or removes) Xiaoliu's slash commands, globally or in
// DISCORD_COMMAND_GUILD_ID's server, and says where people will find them.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PermissionFlagsBits, REST, Routes, type APIApplication } from 'discord.js';
import type { Command } from '../../src/commands/command.js';
import { createDefaultRouter } from '../../src/commands/default-router.js';
import { readConfig } from '../../src/config/read-config.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { DiscordConfig } from './discord-config.js';
import { slashCommands } from './slash-commands.js';
import { messageCommands } from './discord-interactions.js';

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
  /** For a guild's registration: names also registered globally, which that server then lists twice. */
  twice: string[];
}

/**
 * Replaces the application's commands with one per router command (a bulk PUT, so a command that was removed
 * disappears too): globally, or in DISCORD_COMMAND_GUILD_ID's server only. Discord scopes them differently
 * (https://discord.com/developers/docs/interactions/application-commands#registering-a-command): guild commands
 * "update instantly" but "are not available in DMs"; global commands reach every server that added the app and DMs
 * with its bot.
 */
export async function registerCommands(config: DiscordConfig, commands: readonly Command[]): Promise<Registration> {
  const rest = new REST({ api: config.apiUrl }).setToken(config.token);
  const applicationId = await applicationIdOf(config, rest);
  const guildId = config.commandGuildId;
  const scope = guildId ? 'guild' : 'global';
  // The slash commands and the message context-menu commands ("Summarize thread", "Ask Xiaoliu about this"): one PUT.
  const body = [...slashCommands(commands, scope), ...messageCommands(scope)];
  const registered = (await rest.put(routeOf(applicationId, guildId), { body })) as { name: string }[];
  const names = registered.map((c) => c.name);
  // A server with its own copies and global ones lists both: worth saying when it happens.
  const global = guildId ? ((await rest.get(Routes.applicationCommands(applicationId))) as { name: string }[]) : [];
  const twice = global.map((c) => c.name).filter((name) => names.includes(name));
  return { applicationId, scope: guildId ?? 'global', names, twice };
}

/** `--remove`: deletes the application's commands in the same scope (a bulk PUT of none). */
export async function removeCommands(config: DiscordConfig): Promise<{ applicationId: string; scope: string }> {
  const rest = new REST({ api: config.apiUrl }).setToken(config.token);
  const applicationId = await applicationIdOf(config, rest);
  await rest.put(routeOf(applicationId, config.commandGuildId), { body: [] });
  return { applicationId, scope: config.commandGuildId ?? 'global' };
}

/** What `npm run discord:register` prints: what it did, and where people will find the commands. */
export function describeRegistration(result: Registration): string[] {
  // Slash commands with their slash; message commands (right-click a message → Apps) by their quoted names.
  const list = (names: string[]) => names.map((n) => (/[ A-Z]/.test(n) ? `"${n}"` : `/${n}`)).join(', ');
  const registered = `Registered ${result.names.length} commands (${list(result.names)})`;
  if (result.scope === 'global') {
    return [
      `${registered} globally.`,
      'Where they appear: in every server that has added Xiaoliu, and in DMs with the bot for people who share a server ' +
        'with it. Discord brings clients up to date itself (an outdated client reloads the list when a command is used).',
    ];
  }
  const server = `server ${result.scope}`;
  return [
    `${registered} in ${server} only.`,
    `Where they appear: in ${server}, at once. Not in DMs: Discord offers only global commands there.`,
    'For DMs and every server, unset DISCORD_COMMAND_GUILD_ID and run npm run discord:register again, then remove the ' +
      `copies in ${server} (npm run discord:register -- --remove, with DISCORD_COMMAND_GUILD_ID set) or it lists each command twice.`,
    ...(result.twice.length > 0
      ? [
          `Warning: global commands are registered too, so ${server} lists ${list(result.twice)} twice. Remove the global ` +
            'ones with npm run discord:register -- --remove, with DISCORD_COMMAND_GUILD_ID unset.',
        ]
      : []),
  ];
}

async function applicationIdOf(config: DiscordConfig, rest: REST): Promise<string> {
  return config.applicationId ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
}

const routeOf = (applicationId: string, guildId: string | undefined) =>
  guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);

async function main(args: string[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const remove = args.includes('--remove');
  const unknown = args.find((a) => a !== '--remove');
  if (unknown !== undefined) throw new Error(`unknown argument ${unknown}: the only option is --remove`);
  const discord = readConfig(process.env).platforms.discord;
  if (!discord) {
    throw new ConfigError('DISCORD_TOKEN', 'DISCORD_TOKEN is required: set it to your bot token (Bot page of your Discord application)');
  }
  if (remove) {
    const { scope } = await removeCommands(discord);
    console.log(scope === 'global' ? "Removed Xiaoliu's global commands." : `Removed Xiaoliu's commands from server ${scope}.`);
    return;
  }
  const result = await registerCommands(discord, createDefaultRouter().commands);
  for (const line of describeRegistration(result)) console.log(line);
  console.log(`Invite Xiaoliu to a server with:\n  ${inviteUrl(result.applicationId)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const message = error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message;
    console.error(`xiaoliu: ${message}`);
    process.exit(1);
  });
}
