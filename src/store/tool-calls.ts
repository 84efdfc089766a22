import type { Sql } from './database.js';

/** One tool call as `audit tools` lists it: who, where, what (arguments as a digest only), how it went. */
export interface ToolCallRecord {
  platform: string;
  workspaceId: string;
  channelId: string;
  userId: string;
  userName: string;
  deliveryId: string;
  toolUseId: string;
  server: string;
  tool: string;
  /** SHA-256 of the arguments' JSON: enough to match two calls, nothing of what they said. */
  argsSha256: string;
  resultChars: number;
  durationMs: number;
  outcome: 'ok' | 'error' | 'timeout' | 'denied' | 'expired' | 'interrupted';
  approvedBy?: string | undefined;
}

/** Records a call; the same call recorded again (a retried job) is ignored. */
export async function recordToolCall(sql: Sql, call: ToolCallRecord): Promise<void> {
  await sql`
    insert into tool_calls (platform, workspace_id, channel_id, user_id, user_name, delivery_id, tool_use_id, server, tool,
      args_sha256, result_chars, duration_ms, outcome, approved_by)
    values (${call.platform}, ${call.workspaceId}, ${call.channelId}, ${call.userId}, ${call.userName}, ${call.deliveryId},
      ${call.toolUseId}, ${call.server}, ${call.tool}, ${call.argsSha256}, ${call.resultChars}, ${call.durationMs},
      ${call.outcome}, ${call.approvedBy ?? null})
    on conflict (delivery_id, tool_use_id) do nothing`;
}

/** A workspace's most recent calls, newest first: only that workspace's, whoever asks. */
export async function listToolCalls(sql: Sql, platform: string, workspaceId: string, limit: number): Promise<(ToolCallRecord & { at: string })[]> {
  return sql<(ToolCallRecord & { at: string })[]>`
    select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at, platform, workspace_id as "workspaceId",
      channel_id as "channelId", user_id as "userId", user_name as "userName", delivery_id as "deliveryId",
      tool_use_id as "toolUseId", server, tool, args_sha256 as "argsSha256", result_chars as "resultChars",
      duration_ms as "durationMs", outcome, approved_by as "approvedBy"
    from tool_calls where platform = ${platform} and workspace_id = ${workspaceId}
    order by at desc, id desc limit ${limit}`;
}
