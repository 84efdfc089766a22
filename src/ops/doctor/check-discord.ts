import type { DiscordConfig } from '../../../adapters/discord/discord-config.js';
import type { Config } from '../../config/read-config.js';
import { fail, hostOf, ok, reasonOf, skip, warn, withDeadline, type DoctorLine } from './doctor-line.js';

// https://discord.com/developers/docs/resources/application#application-object-application-flags: the Message Content
// intent, switched on for a verified bot in 100 or more servers, or on the Bot page for one in fewer.
const GATEWAY_MESSAGE_CONTENT = 1 << 18;
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;
const PORTAL = 'https://discord.com/developers/applications';

interface Answer {
  status: number;
  body: any; // Discord's JSON, read field by field below
}

/**
 * Discord with the operator's bot token: the token works (GET /users/@me), the gateway lets the bot connect
 * (GET /gateway/bot: shards and session starts left), the application is the one configured and has the Message
 * Content intent (GET /applications/@me), and slash commands are registered where DISCORD_COMMAND_GUILD_ID says.
 */
export async function checkDiscord(config: Config, timeoutMs: number): Promise<DoctorLine[]> {
  const discord = config.platforms.discord;
  if (!discord) return [skip('Discord', 'not configured (DISCORD_TOKEN is not set)')];
  const get = (path: string) => request(discord, path, timeoutMs);
  const where = hostOf(discord.apiUrl);

  let me: Answer;
  try {
    me = await get('/users/@me');
  } catch (error) {
    return [fail('Discord bot token', `cannot reach Discord at ${where} (${reasonOf(error)}): check DISCORD_API_URL and the network`)];
  }
  if (me.status === 401) return [fail('Discord bot token', `DISCORD_TOKEN was refused (401): reset the token on the Bot page (${PORTAL}) and set DISCORD_TOKEN`)];
  if (me.status !== 200) return [fail('Discord bot token', `GET /users/@me answered ${describe(me)}: check DISCORD_API_URL`)];
  const lines = [ok('Discord bot token', `works: @${me.body.username} (${me.body.id})`)];

  lines.push(...(await step('Discord gateway', () => get('/gateway/bot'), gatewayLine)));
  let applicationId: string | undefined;
  const application = await step('Discord application', () => get('/applications/@me'), (app) => {
    applicationId = String(app.body.id);
    return applicationLines(discord, app);
  });
  lines.push(...application);
  if (applicationId) lines.push(...(await commandLines(discord, applicationId, get)));
  return lines;
}

/** One GET, with the deadline; the token goes in the header only. */
async function request(discord: DiscordConfig, path: string, timeoutMs: number): Promise<Answer> {
  return withDeadline(timeoutMs, async (signal) => {
    const res = await fetch(`${discord.apiUrl}/v10${path}`, { headers: { authorization: `Bot ${discord.token}` }, signal });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  });
}

/** One call and the lines it makes; a failed call is one ✗ line. */
async function step(check: string, call: () => Promise<Answer>, read: (answer: Answer) => DoctorLine | DoctorLine[]): Promise<DoctorLine[]> {
  try {
    const answer = await call();
    return [answer.status === 200 ? read(answer) : fail(check, `Discord answered ${describe(answer)}`)].flat();
  } catch (error) {
    return [fail(check, `no answer (${reasonOf(error)}): check DISCORD_API_URL and the network`)];
  }
}

/** Shards and session starts (https://discord.com/developers/docs/events/gateway#get-gateway-bot). */
function gatewayLine({ body }: Answer): DoctorLine {
  const limit = body.session_start_limit ?? {};
  const hours = Math.ceil(Number(limit.reset_after ?? 0) / 3_600_000);
  const starts = `${limit.remaining} of ${limit.total} session starts left (reset in ${hours} h), max concurrency ${limit.max_concurrency}`;
  const text = `${body.shards} shard${body.shards === 1 ? '' : 's'} recommended; ${starts}`;
  // Each start of a gateway uses one; with none left Discord refuses to connect until the reset.
  if (Number(limit.remaining) < 10) return warn('Discord gateway', `${text}: few starts left, so avoid restarting gateways until the reset`);
  return ok('Discord gateway', text);
}

function applicationLines(discord: DiscordConfig, { body }: Answer): DoctorLine[] {
  const id = String(body.id);
  const lines: DoctorLine[] = [];
  if (discord.applicationId && discord.applicationId !== id) {
    lines.push(fail('Discord application', `DISCORD_APPLICATION_ID is ${discord.applicationId} but the token belongs to application ${id}: fix DISCORD_APPLICATION_ID (or unset it)`));
  } else {
    lines.push(ok('Discord application', `${body.name} (${id})${discord.applicationId ? '' : ', DISCORD_APPLICATION_ID unset: asked of Discord'}`));
  }
  const flags = Number(body.flags ?? 0);
  lines.push(
    flags & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED)
      ? ok('Discord Message Content intent', 'on')
      : fail('Discord Message Content intent', `off: turn on Message Content Intent on the Bot page (${PORTAL}); without it Discord refuses Xiaoliu's connection`),
  );
  return lines;
}

/** Where the slash commands are registered: a server's own never show in DMs (see adapters/discord/register-commands.ts). */
async function commandLines(discord: DiscordConfig, applicationId: string, get: (path: string) => Promise<Answer>): Promise<DoctorLine[]> {
  const guildId = discord.commandGuildId;
  const path = guildId ? `/applications/${applicationId}/guilds/${guildId}/commands` : `/applications/${applicationId}/commands`;
  const where = guildId ? `in server ${guildId} only (not in DMs; DISCORD_COMMAND_GUILD_ID)` : 'globally';
  return step('Discord slash commands', () => get(path), ({ body }) => {
    const count = Array.isArray(body) ? body.length : 0;
    return count > 0
      ? ok('Discord slash commands', `${count} registered ${where}`)
      : warn('Discord slash commands', `none registered ${where}: run npm run discord:register`);
  });
}

function describe({ status, body }: Answer): string {
  const message = typeof body?.message === 'string' ? `: ${body.message}` : '';
  return `${status}${body?.code !== undefined ? ` (code ${body.code})` : ''}${message}`;
}
