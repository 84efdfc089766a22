import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import type { CommandContext } from '../commands/command.js';
import { listMcpTools, type McpTool } from '../mcp/mcp-session.js';
import { listMcpServers, type McpServerRow } from '../store/mcp-servers.js';

/** One MCP tool Claude may call in this channel, under its namespaced name. */
export interface McpToolEntry {
  /** What Claude calls it: `mcp__<server>__<tool>`, within the API's `^[a-zA-Z0-9_-]{1,64}$`. */
  name: string;
  server: McpServerRow;
  tool: McpTool;
  /** Whether it runs only after its asker presses Approve: not read-only by its annotations, or marked so. */
  needsApproval: boolean;
}

/** The channel's MCP tools by their names for Claude; empty where no server is on. */
export type McpCatalog = Map<string, McpToolEntry>;

// "name: Must match the regex ^[a-zA-Z0-9_-]{1,64}$"
// (https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use#specifying-client-tools).
const NAME_MAX = 64;

/** The name Claude sees: server and tool, characters outside the pattern replaced, too long ones cut and hashed. */
export function mcpToolName(server: string, tool: string): string {
  const name = `mcp__${server}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (name.length <= NAME_MAX) return name;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, NAME_MAX - 9)}_${hash}`;
}

/**
 * What an admin turned on here (`mcp enable`), as each server lists it now. A server that cannot be reached is left
 * out for this answer (logged for the operator; the answer goes on with the rest), not an error for the asker.
 */
export async function mcpCatalogOf(context: CommandContext): Promise<McpCatalog> {
  const catalog: McpCatalog = new Map();
  const enabled = context.settings.mcpTools ?? {};
  if (!Object.keys(enabled).length) return catalog;
  const servers = await listMcpServers(context.sql, { platform: context.message.platform, workspaceId: context.message.address.workspaceId });
  await Promise.all(
    servers
      .filter((server) => enabled[server.name]?.length)
      .map(async (server) => {
        const wanted = enabled[server.name]!;
        try {
          for (const tool of await listMcpTools(server, context.config.mcp, context.signal)) {
            if (!wanted.includes('*') && !wanted.includes(tool.name)) continue;
            const mark = server.toolMarks[tool.name];
            const needsApproval = mark === 'approve' || (mark !== 'readonly' && !tool.readOnly);
            catalog.set(mcpToolName(server.name, tool.name), { name: mcpToolName(server.name, tool.name), server, tool, needsApproval });
          }
        } catch (error) {
          context.log.warn({ server: server.name, err: { message: error instanceof Error ? error.message : String(error) } }, 'could not list an MCP server\'s tools; answering without them');
        }
      }),
  );
  return catalog;
}

/** The tool definitions Claude gets; a server's description is the tool's, with its server named. */
export function mcpToolDefinitions(catalog: McpCatalog): Anthropic.Tool[] {
  return [...catalog.values()].map(({ name, server, tool }) => ({
    name,
    description: `${tool.description ?? tool.name} (tool "${tool.name}" of the MCP server "${server.name}")`,
    input_schema: { type: 'object', ...tool.inputSchema } as Anthropic.Tool.InputSchema,
  }));
}
