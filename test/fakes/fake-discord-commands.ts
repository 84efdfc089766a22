// Application command registration: PUT/POST/GET of global and guild commands, validated and given stable ids.
import { ApiError, formError, type FakeContext, type RestRequest, type Route } from './fake-discord-messages.js';
import { snowflake } from './fake-discord-model.js';

export interface RegisteredCommands {
  global: Record<string, unknown>[];
  guilds: Record<string, Record<string, unknown>[]>;
}

const NAME_RE = /^[-_\p{L}\p{N}]{1,32}$/u;

export function commandRoutes(ctx: FakeContext, commands: RegisteredCommands): Route[] {
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
      handle: () => ({ status: 200, body: { id: ctx.applicationId, name: bot.username, description: '', bot_public: true, bot, flags: 0 } }),
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
  if (!NAME_RE.test(name) || (type === 1 && name !== name.toLowerCase())) {
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
