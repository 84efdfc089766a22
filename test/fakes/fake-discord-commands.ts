// Application command registration: PUT/POST/GET of global and guild commands, validated and given stable ids.
import { ChannelType } from 'discord.js';
import { ApiError, formError, type FakeContext, type RestRequest, type Route } from './fake-discord-messages.js';
import { Intent, snowflake, type ChannelRecord, type FakeWorld } from './fake-discord-model.js';

export interface RegisteredCommands {
  global: Record<string, unknown>[];
  guilds: Record<string, Record<string, unknown>[]>;
}

const NAME_RE = /^[-_\p{L}\p{N}]{1,32}$/u;
// "USER and MESSAGE commands may be mixed case and can include spaces", 1–32 characters
// (https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming).
const MENU_NAME_RE = /^[-_ \p{L}\p{N}]{1,32}$/u;

export function commandRoutes(ctx: FakeContext, commands: RegisteredCommands, privilegedIntents: number): Route[] {
  const app = '/applications/(\\d+)';
  const list = (appId: string, guildId?: string): Record<string, unknown>[] => {
    if (appId !== ctx.applicationId) throw new ApiError(403, 50001, 'Missing Access');
    if (guildId === undefined) return commands.global;
    if (!ctx.world.guilds.has(guildId)) throw new ApiError(403, 50001, 'Missing Access');
    return (commands.guilds[guildId] ??= []);
  };
  const put = (req: RestRequest, appId: string, guildId?: string) => {
    const current = list(appId, guildId);
    if (!Array.isArray(req.body)) throw formError('_root', 'ARRAY_TYPE_CONVERT', 'Must be an array.');
    const next = (req.body as Record<string, unknown>[]).map((c, i) => command(ctx, c, current, guildId, i));
    current.splice(0, current.length, ...next);
    return { status: 200, body: next };
  };
  const post = (req: RestRequest, appId: string, guildId?: string) => {
    const current = list(appId, guildId);
    const created = command(ctx, (req.body ?? {}) as Record<string, unknown>, current, guildId, 0);
    const at = current.findIndex((c) => c.id === created.id);
    if (at >= 0) current[at] = created;
    else current.push(created);
    return { status: at >= 0 ? 200 : 201, body: created };
  };
  const route = (method: string, path: string, handle: Route['handle']): Route => ({
    method,
    pattern: new RegExp(`^${app}${path}$`),
    auth: true,
    handle,
  });
  const bot = ctx.world.bot;
  return [
    // The application of the token (what `npm run discord:register` asks when DISCORD_APPLICATION_ID is not set).
    {
      method: 'GET',
      pattern: /^\/applications\/@me$/,
      auth: true,
      handle: () => {
        const flags = applicationFlags(privilegedIntents, commands.global.length > 0);
        return { status: 200, body: { id: ctx.applicationId, name: bot.username, description: '', bot_public: true, bot, flags } };
      },
    },
    route('GET', '/commands', (req) => ({ status: 200, body: list(req.params[0]!) })),
    route('PUT', '/commands', (req) => put(req, req.params[0]!)),
    route('POST', '/commands', (req) => post(req, req.params[0]!)),
    route('GET', '/guilds/(\\d+)/commands', (req) => ({ status: 200, body: list(req.params[0]!, req.params[1]!) })),
    route('PUT', '/guilds/(\\d+)/commands', (req) => put(req, req.params[0]!, req.params[1]!)),
    route('POST', '/guilds/(\\d+)/commands', (req) => post(req, req.params[0]!, req.params[1]!)),
  ];
}

/** Validates one command like Discord does and gives it an id (kept across re-registration of the same name). */
function command(
  ctx: FakeContext,
  c: Record<string, unknown>,
  current: Record<string, unknown>[],
  guildId: string | undefined,
  index: number,
) {
  const type = Number(c.type ?? 1);
  const name = String(c.name ?? '');
  if (!(type === 1 ? NAME_RE : MENU_NAME_RE).test(name) || (type === 1 && name !== name.toLowerCase())) {
    throw formError(`${index}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  const description = String(c.description ?? '');
  if (type === 1 && (description.length < 1 || description.length > 100)) {
    throw formError(`${index}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  const existing = current.find((e) => e.name === name && e.type === type);
  return {
    name_localizations: null,
    description_localizations: null,
    default_member_permissions: null,
    nsfw: false,
    integration_types: [0],
    contexts: null,
    ...c,
    id: existing?.id ?? snowflake(),
    application_id: ctx.applicationId,
    version: snowflake(),
    type,
    name,
    description,
    ...(guildId ? { guild_id: guildId } : {}),
  };
}

/**
 * The application's flags (https://discord.com/developers/docs/resources/application#application-object-application-flags)
 * for a bot in under 100 servers: a privileged intent switched on in the portal's Bot page shows as its `_LIMITED`
 * flag (GATEWAY_PRESENCE_LIMITED 1 << 13, GATEWAY_GUILD_MEMBERS_LIMITED 1 << 15, GATEWAY_MESSAGE_CONTENT_LIMITED
 * 1 << 19; the unlimited ones, 1 << 12, 14 and 18, are for verified bots in 100 or more servers), and
 * APPLICATION_COMMAND_BADGE (1 << 23) "indicates if an app has registered global application commands".
 */
export function applicationFlags(privilegedIntents: number, hasGlobalCommands: boolean): number {
  let flags = 0;
  if (privilegedIntents & Intent.GuildPresences) flags |= 1 << 13;
  if (privilegedIntents & Intent.GuildMembers) flags |= 1 << 15;
  if (privilegedIntents & Intent.MessageContent) flags |= 1 << 19;
  if (hasGlobalCommands) flags |= 1 << 23;
  return flags;
}

// Interaction context types: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-context-types
const GUILD = 0;
const BOT_DM = 1;
const PRIVATE_CHANNEL = 2;
const USER_INSTALL = 1;

/**
 * The commands a person finds in a channel's command picker, by Discord's documented scoping
 * (https://discord.com/developers/docs/interactions/application-commands#registering-a-command): "Guild commands
 * are not available in DMs"; global commands are "available for every guild that adds your app" and "also
 * available in DMs if that app has a bot that shares a mutual guild with the user". `contexts` and
 * `integration_types` apply "only for globally-scoped commands" (#application-command-object-application-command-
 * structure on the same page; "Guild commands don't support the BOT_DM interaction context"); `contexts` left null
 * means all of them ("defaults to all contexts [0,1,2]"), and PRIVATE_CHANNEL "is only meaningful for commands
 * installed to a user" (#interaction-contexts).
 */
export function commandsAvailable(world: FakeWorld, commands: RegisteredCommands, channel: ChannelRecord, userId: string): Record<string, unknown>[] {
  const context = channel.guild_id ? GUILD : channel.type === ChannelType.DM ? BOT_DM : PRIVATE_CHANNEL;
  const sharesGuild = [...world.guilds.values()].some((g) => g.members.has(userId));
  const global = commands.global.filter((c) => {
    const contexts = (c.contexts as number[] | null | undefined) ?? [GUILD, BOT_DM, PRIVATE_CHANNEL];
    if (!contexts.includes(context)) return false;
    if (context === BOT_DM) return sharesGuild;
    if (context === PRIVATE_CHANNEL) return ((c.integration_types as number[] | undefined) ?? []).includes(USER_INSTALL);
    return true;
  });
  const guild = channel.guild_id ? (commands.guilds[channel.guild_id] ?? []) : [];
  return [...guild, ...global];
}
