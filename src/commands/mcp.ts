import { UserFacingError } from '../domain/errors.js';
import { assertPublicUrl } from '../mcp/check-address.js';
import { listMcpTools, splitCommand } from '../mcp/mcp-session.js';
import { shownUrl } from '../mcp/shown-url.js';
import { seal } from '../mcp/secret-box.js';
import { channelKeyOf, saveChannelSettings } from '../store/channel-settings.js';
import { addMcpServer, findMcpServer, listMcpServers, markMcpTool, removeMcpServer, type McpServerRow } from '../store/mcp-servers.js';
import { decideToolCall } from '../tools/decide-tool-call.js';
import { settingsAudit } from './audit-detail.js';
import { chatCommand } from './chat.js';
import type { Command, CommandContext } from './command.js';
import { plain } from './config.js';
import { recordAudit } from './record-audit.js';

const USAGE = [
  '`mcp list` — the MCP servers of this workspace',
  '`mcp add <name> <https://url> [--header "Authorization: Bearer …"]…` — a Streamable HTTP server',
  '`mcp add <name> --command "<command line>"` — a local command (stdio), where the operator allows it',
  '`mcp tools <name>` — what a server offers, and what is on here',
  '`mcp enable <name> [tool …]` / `mcp disable <name> [tool …]` — turn a server (or some tools) on or off in this channel',
  '`mcp mark <name> <tool> readonly|approve|auto` — run without asking, always ask, or follow the server\'s hints',
  '`mcp remove <name>`',
].join('\n');

const NAME = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * `mcp`: admins connect the workspace to MCP servers and choose, per channel, which tools Claude may call. Servers
 * belong to one platform workspace and are never seen from another. Credentials are sealed before they are stored
 * and never shown, logged or put in a prompt. Also answers `approve <id>` / `deny <id>` typed in the terminal, which
 * has no buttons.
 */
export const mcpCommand: Command = {
  name: 'mcp',
  aliases: ['approve', 'deny'],
  summary: '(Admins) MCP servers and their tools here.',
  example: 'mcp list',
  takesArgs: true,
  async run(context) {
    const invokedAs = (context.message.command?.name ?? /^[/!]?(\S+)/.exec(context.message.text.trim())?.[1] ?? '').toLowerCase();
    if (invokedAs === 'approve' || invokedAs === 'deny') {
      // Typed decisions are the terminal's alone, with a request id; anything else ("approve or reject this design?")
      // is a question, as on every platform.
      // A request id after the word is a decision (refused off the terminal, below); so is the terminal's `/approve`.
      const typed = /^[0-9a-f]{12}$/.test(context.args.trim()) || (context.message.platform === 'shell' && context.message.text.trim().startsWith('/'));
      if (!typed) return chatCommand.run({ ...context, args: (context.message.command ? context.message.command.args : context.message.text).trim() });
      return typedDecision(context, invokedAs);
    }
    const words = tokens(context.args);
    const verb = (words.shift() ?? 'help').toLowerCase();
    if (verb === 'help') return context.reply.finish(USAGE);
    if (!context.isAdmin) throw new UserFacingError('Only admins can manage MCP servers.');
    switch (verb) {
      case 'list':
        return context.reply.finish(await list(context));
      case 'add':
        return context.reply.finish(await add(context, words));
      case 'remove':
        return context.reply.finish(await remove(context, words[0]));
      case 'tools':
        return context.reply.finish(await tools(context, words[0]));
      case 'enable':
      case 'disable':
        return context.reply.finish(await toggle(context, verb, words[0], words.slice(1)));
      case 'mark':
        return context.reply.finish(await mark(context, words));
      default:
        throw new UserFacingError(`I do not know \`mcp ${verb}\`.\n${USAGE}`);
    }
  },
};

/** Words, with "double" or 'single' quotes grouping (a header value has spaces). */
function tokens(text: string): string[] {
  return splitCommand(text.trim());
}

const scopeOf = (context: CommandContext) => ({ platform: context.message.platform, workspaceId: context.message.address.workspaceId });


async function list(context: CommandContext): Promise<string> {
  const servers = await listMcpServers(context.sql, scopeOf(context));
  if (!servers.length) return 'No MCP servers yet. Add one with `mcp add <name> <url>`.';
  const on = context.settings.mcpTools;
  return [
    '*MCP servers of this workspace*',
    ...servers.map((s) => {
      const where = s.transport === 'http' ? shownUrl(s.url) : `local command \`${splitCommand(s.command ?? '')[0] ?? ''}\``;
      const headers = s.headerNames.map((h) => `header: ${h} (hidden)`).join(', ');
      const here = on[s.name] ? `on here (${on[s.name]!.join(', ')})` : 'off here';
      return `• *${s.name}* — ${where}${headers ? ` — ${headers}` : ''} — ${here}`;
    }),
  ].join('\n');
}

async function add(context: CommandContext, words: string[]): Promise<string> {
  const { config, message } = context;
  const [name, ...rest] = words;
  if (!name || !NAME.test(name)) throw new UserFacingError('Give the server a short name: lowercase letters, digits and -, e.g. `mcp add tracker https://…`.');
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let command: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--header') {
      const header = rest[++i] ?? '';
      const colon = header.indexOf(':');
      const key = header.slice(0, colon).trim();
      if (colon < 1 || !/^[A-Za-z0-9-]{1,100}$/.test(key) || !header.slice(colon + 1).trim()) throw new UserFacingError('Write a header as `--header "Name: value"`.');
      headers[key] = header.slice(colon + 1).trim();
    } else if (word === '--command') {
      command = rest[++i];
    } else if (!url) {
      url = word;
    } else {
      throw new UserFacingError(`I did not understand \`${word.slice(0, 40)}\`.\n${USAGE}`);
    }
  }
  const headerNames = Object.keys(headers);
  if (headerNames.length && !config.mcp.secretKey) {
    throw new UserFacingError('I cannot store credentials: the operator has not set MCP_SECRET_KEY, the key they are encrypted with. Nothing was saved.');
  }
  let server: Omit<McpServerRow, 'toolMarks'>;
  const createdBy = `${message.author.name} (${message.author.id})`;
  if (command !== undefined) {
    if (!config.mcp.allowStdio) throw new UserFacingError('Local commands are not allowed as MCP servers here: the operator can allow them with MCP_ALLOW_STDIO.');
    if (url || headerNames.length || !command.trim()) throw new UserFacingError('Write `mcp add <name> --command "<command line>"`, with no URL or headers.');
    server = { name, transport: 'stdio', url: null, command: command.trim(), headerNames: [], headersSealed: null, createdBy };
  } else {
    if (!url) throw new UserFacingError(`Give the server's URL.\n${USAGE}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserFacingError('That URL does not look right: write it in full, e.g. `https://mcp.example.com/mcp`.');
    }
    if (parsed.username || parsed.password) throw new UserFacingError('Put credentials in a `--header`, not in the URL.');
    await assertPublicUrl(parsed, config.mcp.allowPrivate);
    const sealed = headerNames.length ? seal(config.mcp.secretKey!, JSON.stringify(headers)) : null;
    server = { name, transport: 'http', url: parsed.toString(), command: null, headerNames, headersSealed: sealed, createdBy };
  }
  // Reached before it is saved: a server that does not answer (or refuses the credentials) is said so now.
  let offered;
  try {
    offered = await listMcpTools({ ...server, toolMarks: {} }, config.mcp, context.signal);
  } catch (error) {
    const why = error instanceof UserFacingError ? error.userMessage : error instanceof Error ? error.message : String(error);
    throw new UserFacingError(`I could not reach the MCP server ${name}, so it was not added: ${why.slice(0, 300)}`);
  }
  if (!(await addMcpServer(context.sql, scopeOf(context), server))) throw new UserFacingError(`There is already a server named ${name}: \`mcp remove ${name}\` first.`);
  const where = server.transport === 'http' ? shownUrl(server.url) : 'a local command';
  await recordAudit(context, { action: 'mcp.add', target: name, detail: `${name}: ${where}${headerNames.length ? `, headers ${headerNames.join(', ')} (values hidden)` : ''}` });
  context.log.info({ server: name, transport: server.transport, tools: offered.length }, 'MCP server added');
  return `Added *${name}* (${offered.length} tool${offered.length === 1 ? '' : 's'}). It is off everywhere until an admin turns it on in a channel: \`mcp enable ${name}\`.`;
}

async function remove(context: CommandContext, name: string | undefined): Promise<string> {
  if (!name || !(await removeMcpServer(context.sql, scopeOf(context), name))) throw new UserFacingError(`There is no server named ${name ?? '…'} here; \`mcp list\` shows them.`);
  await recordAudit(context, { action: 'mcp.remove', target: name, detail: `${name} removed` });
  return `Removed *${name}*; its credentials are deleted with it.`;
}

async function serverNamed(context: CommandContext, name: string | undefined): Promise<McpServerRow> {
  const server = name ? await findMcpServer(context.sql, scopeOf(context), name) : undefined;
  if (!server) throw new UserFacingError(`There is no server named ${name ?? '…'} here; \`mcp list\` shows them.`);
  return server;
}

async function tools(context: CommandContext, name: string | undefined): Promise<string> {
  const server = await serverNamed(context, name);
  const offered = await listMcpTools(server, context.config.mcp, context.signal).catch((error: unknown) => {
    throw new UserFacingError(`I could not reach ${server.name}: ${error instanceof UserFacingError ? error.userMessage : error instanceof Error ? error.message : String(error)}`);
  });
  const on = context.settings.mcpTools[server.name] ?? [];
  return [
    `*Tools of ${server.name}*`,
    ...offered.map((t) => {
      const mark = server.toolMarks[t.name];
      const asks = mark === 'approve' || (mark !== 'readonly' && !t.readOnly);
      const here = on.includes('*') || on.includes(t.name) ? 'on here' : 'off here';
      return `• \`${t.name}\` — ${(t.description ?? '').slice(0, 120)} — ${asks ? 'asks for approval' : 'read-only'}${mark ? ` (marked ${mark})` : ''} — ${here}`;
    }),
  ].join('\n');
}

async function toggle(context: CommandContext, verb: 'enable' | 'disable', name: string | undefined, picked: string[]): Promise<string> {
  const server = await serverNamed(context, name);
  const before = plain(context.settings);
  const current = before.mcpTools[server.name] ?? [];
  let next: string[];
  if (verb === 'enable') {
    next = picked.length === 0 || current.includes('*') ? ['*'] : [...new Set([...current, ...picked])];
  } else if (picked.length === 0) {
    next = [];
  } else {
    const all = current.includes('*') ? (await listMcpTools(server, context.config.mcp, context.signal)).map((t) => t.name) : current;
    next = all.filter((t) => !picked.includes(t));
  }
  const mcpTools = { ...before.mcpTools };
  if (next.length) mcpTools[server.name] = next;
  else delete mcpTools[server.name];
  const after = { ...before, mcpTools };
  const change = `mcp ${verb} ${server.name}${picked.length ? ` ${picked.join(' ')}` : ''}`;
  const key = channelKeyOf(context.message.platform, context.message.address);
  const version = await saveChannelSettings(context.sql, key, after, change, `${context.message.author.name} (${context.message.author.id})`);
  await recordAudit(context, settingsAudit(before, after, { version, defaultPrompt: context.config.systemPrompt }));
  return `Done (version ${version}): ${next.length ? `${server.name} is on here (${next.join(', ')})` : `${server.name} is off here`}. \`config rollback\` undoes it.`;
}

async function mark(context: CommandContext, words: string[]): Promise<string> {
  const [name, tool, how] = words;
  if (!name || !tool || !['readonly', 'approve', 'auto'].includes(how ?? '')) throw new UserFacingError('Write `mcp mark <server> <tool> readonly|approve|auto`.');
  const server = await serverNamed(context, name);
  await markMcpTool(context.sql, scopeOf(context), server.name, tool, how === 'auto' ? undefined : (how as 'readonly' | 'approve'));
  await recordAudit(context, { action: 'mcp.mark', target: `${server.name}/${tool}`, detail: `${server.name} ${tool}: ${how}` });
  const meaning = how === 'readonly' ? 'runs without asking' : how === 'approve' ? 'always asks its asker first' : "follows the server's hints";
  return `Done: \`${tool}\` of ${server.name} now ${meaning}.`;
}

/**
 * `approve <id>` / `deny <id>`, typed: for the terminal, which has no buttons. Only there: on platforms with buttons
 * a typed word could be pasted or quoted by anyone, and the button is the asker's own act.
 */
async function typedDecision(context: CommandContext, verdict: 'approve' | 'deny'): Promise<void> {
  const { message } = context;
  if (message.platform !== 'shell') throw new UserFacingError('Use the Approve or Deny button on the request.');
  const id = context.args.trim();
  if (!/^[0-9a-f]{12}$/.test(id)) throw new UserFacingError(`Write \`/${verdict} <request id>\`, as the request shows it.`);
  let queued = false;
  const result = await decideToolCall(
    { sql: context.sql, log: context.log },
    { answerId: id, platform: message.platform, workspaceId: message.address.workspaceId, user: { id: message.author.id, name: message.author.name }, verdict },
    async (continuation) => {
      queued = true;
      // The continuation runs here, in this job: the terminal waits for this answer.
      await chatCommand.run({ ...context, message: { ...continuation, address: message.address }, args: '' });
    },
  );
  if (!queued) await context.reply.finish(result.notice ?? 'Nothing to do.');
}
