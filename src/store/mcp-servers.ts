import type { Sql } from './database.js';

/** Which workspace: servers are registered per platform and workspace, and never seen from another. */
export interface WorkspaceKey {
  platform: string;
  workspaceId: string;
}

/** A registered MCP server, as the worker connects to it (headers still sealed). */
export interface McpServerRow {
  name: string;
  transport: 'http' | 'stdio';
  url: string | null;
  command: string | null;
  headerNames: string[];
  headersSealed: string | null;
  /** Per tool: 'readonly' runs without asking, 'approve' always asks (`mcp mark`). */
  toolMarks: Record<string, 'readonly' | 'approve'>;
  createdBy: string;
}

/** jsonb as it arrives (drizzle turns postgres.js's parsers off: it may be text). */
const json = <T>(value: unknown, fallback: T): T => (value == null ? fallback : typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

const columns = (sql: Sql) => sql`name, transport, url, command, header_names as "headerNames", headers_sealed as "headersSealed", tool_marks as "toolMarks", created_by as "createdBy"`;

function rowOf(row: McpServerRow): McpServerRow {
  return { ...row, headerNames: json(row.headerNames, []), toolMarks: json(row.toolMarks, {}) };
}

/** Registers a server; false when the workspace has one of that name already. */
export async function addMcpServer(sql: Sql, key: WorkspaceKey, server: Omit<McpServerRow, 'toolMarks'>): Promise<boolean> {
  const rows = await sql`
    insert into mcp_servers (platform, workspace_id, name, transport, url, command, header_names, headers_sealed, created_by)
    values (${key.platform}, ${key.workspaceId}, ${server.name}, ${server.transport}, ${server.url}, ${server.command},
      ${JSON.stringify(server.headerNames)}::jsonb, ${server.headersSealed}, ${server.createdBy})
    on conflict do nothing returning name`;
  return rows.length === 1;
}

export async function listMcpServers(sql: Sql, key: WorkspaceKey): Promise<McpServerRow[]> {
  const rows = await sql<McpServerRow[]>`
    select ${columns(sql)} from mcp_servers where platform = ${key.platform} and workspace_id = ${key.workspaceId} order by name`;
  return rows.map(rowOf);
}

export async function findMcpServer(sql: Sql, key: WorkspaceKey, name: string): Promise<McpServerRow | undefined> {
  const [row] = await sql<McpServerRow[]>`
    select ${columns(sql)} from mcp_servers where platform = ${key.platform} and workspace_id = ${key.workspaceId} and name = ${name}`;
  return row && rowOf(row);
}

export async function removeMcpServer(sql: Sql, key: WorkspaceKey, name: string): Promise<boolean> {
  const result = await sql`delete from mcp_servers where platform = ${key.platform} and workspace_id = ${key.workspaceId} and name = ${name}`;
  return result.count === 1;
}

/** Sets (or with undefined clears) an admin's verdict on one tool. */
export async function markMcpTool(sql: Sql, key: WorkspaceKey, name: string, tool: string, mark: 'readonly' | 'approve' | undefined): Promise<boolean> {
  const result = mark
    ? await sql`update mcp_servers set tool_marks = tool_marks || jsonb_build_object(${tool}::text, ${mark}::text)
        where platform = ${key.platform} and workspace_id = ${key.workspaceId} and name = ${name}`
    : await sql`update mcp_servers set tool_marks = tool_marks - ${tool}::text
        where platform = ${key.platform} and workspace_id = ${key.workspaceId} and name = ${name}`;
  return result.count === 1;
}
