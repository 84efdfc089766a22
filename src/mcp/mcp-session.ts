import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpConfig } from '../config/read-mcp.js';
import { UserFacingError } from '../domain/errors.js';
import type { McpServerRow } from '../store/mcp-servers.js';
import { guardedFetch } from './check-address.js';
import { open } from './secret-box.js';

/** A tool as a server lists it (tools/list): name, description, JSON Schema of its input, behaviour hints. */
export interface McpTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  /** "readOnlyHint: If true, the tool does not modify its environment. Default: false" (MCP schema, ToolAnnotations). */
  readOnly: boolean;
}

/** What a tools/call returned, as text for the model. */
export interface McpCallResult {
  text: string;
  /** The server's own verdict (`isError`): the call ran and failed, which the model is told. */
  isError: boolean;
}

/**
 * One short session with a server: connect (the MCP handshake), do one thing, close. Every session opens the sealed
 * headers itself and keeps them in the transport only: they never reach a log line, a prompt or a reply. Each
 * request is bounded by the tool timeout and by the job's signal.
 */
export async function withMcpSession<T>(
  server: McpServerRow,
  config: McpConfig,
  signal: AbortSignal | undefined,
  work: (client: Client, options: { timeout: number; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(config.toolTimeoutMs);
  const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const client = new Client({ name: 'xiaoliu', version: '1.0.0' });
  const transport = transportFor(server, config);
  try {
    await client.connect(transport, { timeout: config.toolTimeoutMs, signal: bounded });
    return await work(client, { timeout: config.toolTimeoutMs, signal: bounded });
  } finally {
    await client.close().catch(() => undefined);
  }
}

function transportFor(server: McpServerRow, config: McpConfig) {
  if (server.transport === 'stdio') {
    if (!config.allowStdio) throw new UserFacingError(`The server ${server.name} is a local command, which the operator has not allowed (MCP_ALLOW_STDIO).`);
    const [command, ...args] = splitCommand(server.command ?? '');
    // The child gets the SDK's short list of safe variables, not this process's environment (which holds our keys).
    return new StdioClientTransport({ command: command!, args, stderr: 'ignore' });
  }
  const headers = sealedHeaders(server, config);
  return new StreamableHTTPClientTransport(new URL(server.url!), {
    requestInit: { headers },
    fetch: guardedFetch(config.allowPrivate),
  });
}

/** The server's headers, opened with MCP_SECRET_KEY; a key since changed or missing is the operator's to fix. */
function sealedHeaders(server: McpServerRow, config: McpConfig): Record<string, string> {
  if (!server.headersSealed) return {};
  if (!config.secretKey) throw new UserFacingError(`The credentials of ${server.name} cannot be read: MCP_SECRET_KEY is not set on this worker.`);
  try {
    return JSON.parse(open(config.secretKey, server.headersSealed)) as Record<string, string>;
  } catch {
    throw new UserFacingError(`The credentials of ${server.name} cannot be read with this MCP_SECRET_KEY; an admin must add the server again.`);
  }
}

/** A command line split on spaces, with "double" or 'single' quotes grouping; no shell is involved. */
export function splitCommand(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** What a server offers (tools/list, every page). */
export async function listMcpTools(server: McpServerRow, config: McpConfig, signal?: AbortSignal): Promise<McpTool[]> {
  return withMcpSession(server, config, signal, async (client, options) => {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, options);
      for (const tool of page.tools) {
        tools.push({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema as Record<string, unknown>, readOnly: tool.annotations?.readOnlyHint === true });
      }
      cursor = page.nextCursor;
    } while (cursor && tools.length < 1000);
    return tools;
  });
}

/** Calls one tool; the result's text (and a note for content that is not text). */
export async function callMcpTool(server: McpServerRow, config: McpConfig, tool: string, input: unknown, signal?: AbortSignal): Promise<McpCallResult> {
  return withMcpSession(server, config, signal, async (client, options) => {
    const args = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
    const result = await client.callTool({ name: tool, arguments: args }, undefined, options);
    const parts: string[] = [];
    for (const block of (result.content ?? []) as { type: string; text?: string; resource?: { text?: string; uri?: string } }[]) {
      if (block.type === 'text' && block.text !== undefined) parts.push(block.text);
      else if (block.type === 'resource' && block.resource?.text !== undefined) parts.push(block.resource.text);
      else parts.push(`[${block.type} content not shown]`);
    }
    if (!parts.length && result.structuredContent) parts.push(JSON.stringify(result.structuredContent));
    return { text: parts.join('\n'), isError: result.isError === true };
  });
}
