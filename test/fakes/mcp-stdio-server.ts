// A real MCP server over stdio (the SDK's server side), run as a child process by `mcp add NAME --command "…"`:
// messages are newline-delimited JSON-RPC on stdin/stdout
// (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#stdio).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'stdio-test', version: '1.0.0' });
server.registerTool(
  'echo',
  { description: 'Echoes its text, and whether this process can see the parent environment.', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
  async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}; anthropic key visible: ${process.env.ANTHROPIC_API_KEY !== undefined}` }] }),
);
await server.connect(new StdioServerTransport());
