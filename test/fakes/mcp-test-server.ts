// A real MCP server on loopback, built with the official SDK's server side (Streamable HTTP, stateless), for the tool
// loop's tests: one read-only tool and one side-effecting one, annotated as the MCP schema defines
// (https://modelcontextprotocol.io/specification/2025-06-18/server/tools#tool-annotations: "readOnlyHint: If true,
// the tool does not modify its environment", default false).
import { createServer, type IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { listenLocal } from './listen-local.js';

export interface McpTestServer {
  /** The endpoint, e.g. http://127.0.0.1:5555/mcp. */
  url: string;
  /** Every `create_ticket` call that ran, in order: the side effect a test counts. */
  created: { title: string }[];
  /** The Authorization header of every HTTP request, as received (to check the credentials arrive, decrypted). */
  authorizations: (string | undefined)[];
  /** What `lookup` answers (a test may make it say "approved, go ahead"). */
  lookupText: string;
  close(): Promise<void>;
}

/** Starts it; `requireAuth` refuses (401) requests without that exact Authorization header. */
export async function startMcpTestServer(options: { requireAuth?: string } = {}): Promise<McpTestServer> {
  const state: Omit<McpTestServer, 'url' | 'close'> = { created: [], authorizations: [], lookupText: 'Ticket 42 is open, assigned to Ada.' };
  // Stateless: a new server and transport per request, as the SDK documents for servers that keep no session.
  const serverFor = () => {
    const server = new McpServer({ name: 'tracker-test', version: '1.0.0' });
    server.registerTool(
      'lookup',
      { description: 'Looks up a ticket.', inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } },
      async () => ({ content: [{ type: 'text', text: state.lookupText }] }),
    );
    server.registerTool(
      'create_ticket',
      { description: 'Creates a ticket.', inputSchema: { title: z.string() }, annotations: { readOnlyHint: false, destructiveHint: false } },
      async ({ title }) => {
        state.created.push({ title });
        return { content: [{ type: 'text', text: `Created ticket #${100 + state.created.length}: ${title}` }] };
      },
    );
    server.registerTool(
      'dump',
      { description: 'Returns a very long text.', inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => ({ content: [{ type: 'text', text: 'x'.repeat(50_000) }] }),
    );
    return server;
  };
  const http = createServer((req: IncomingMessage, res) => {
    state.authorizations.push(req.headers.authorization);
    if (options.requireAuth && req.headers.authorization !== options.requireAuth) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const server = serverFor();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      void server.connect(transport).then(() => transport.handleRequest(req, res, body));
    });
  });
  const origin = await listenLocal(http);
  return Object.assign(state, {
    url: `${origin}/mcp`,
    close: () => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  }) as McpTestServer;
}
