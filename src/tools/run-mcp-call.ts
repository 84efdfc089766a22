import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import type { ToolCall } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { UserFacingError } from '../domain/errors.js';
import { callMcpTool } from '../mcp/mcp-session.js';
import type { McpServerRow } from '../store/mcp-servers.js';
import { recordToolCall, type ToolCallRecord } from '../store/tool-calls.js';

/** A call's result for the model, and the line shown under the answer. */
export interface RanCall {
  block: Anthropic.ToolResultBlockParam;
  line: string;
  outcome: { text: string; isError: boolean };
}

/** The SHA-256 of a call's arguments: the audit keeps this, never the arguments themselves. */
export function argsDigest(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input ?? {})).digest('hex');
}

/** A result cut to the operator's cap (MCP_MAX_RESULT_CHARS), saying so, so the model knows it has not seen all. */
export function capResult(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… ${text.length - max} more characters cut: the result was longer than I pass on]`;
}

/**
 * Runs one MCP tool call and records it for `audit tools`. Whatever goes wrong (the server is down, the call times
 * out, the tool fails) becomes an `is_error` tool result the model reads and can work around, never a failed job.
 * The thread shows which tool runs and how it went.
 */
export async function runMcpCall(
  context: CommandContext,
  call: ToolCall,
  server: McpServerRow,
  tool: string,
  approvedBy?: string,
): Promise<RanCall> {
  const label = `${server.name} › ${tool}`;
  context.reply.status(`is running ${label}…`);
  context.reply.stream(`_⚙️ Running ${label}…_`);
  const started = performance.now();
  let outcome: ToolCallRecord['outcome'] = 'ok';
  let result: { text: string; isError: boolean };
  try {
    result = await callMcpTool(server, context.config.mcp, tool, call.input, context.signal);
    if (result.isError) outcome = 'error';
  } catch (error) {
    if (context.signal.aborted) throw error;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || /timed out|timeout/i.test(error.message));
    outcome = timedOut ? 'timeout' : 'error';
    const why = error instanceof UserFacingError ? error.userMessage : timedOut ? `no answer within ${context.config.mcp.toolTimeoutMs} ms` : error instanceof Error ? error.message : String(error);
    result = { text: `The tool could not be run: ${why}`, isError: true };
    context.log.warn({ server: server.name, tool, outcome, err: { message: why } }, 'an MCP tool call failed');
  }
  const text = capResult(result.text, context.config.mcp.maxResultChars);
  await record(context, call, server.name, tool, { resultChars: result.text.length, durationMs: Math.round(performance.now() - started), outcome, approvedBy });
  const line = `${outcome === 'ok' ? '✓' : '✗'} ${label}${outcome === 'ok' ? '' : ` (${outcome})`}`;
  context.reply.stream(`_${line}_`);
  return { block: { type: 'tool_result', tool_use_id: call.id, content: text, ...(result.isError ? { is_error: true } : {}) }, line, outcome: result };
}

/** Records a call in the audit, including one that was never run (denied, expired, interrupted). */
export async function record(
  context: CommandContext,
  call: ToolCall,
  server: string,
  tool: string,
  how: Pick<ToolCallRecord, 'resultChars' | 'durationMs' | 'outcome' | 'approvedBy'>,
): Promise<void> {
  const { message } = context;
  await recordToolCall(context.sql, {
    platform: message.platform,
    workspaceId: message.address.workspaceId,
    channelId: message.address.channelId,
    userId: message.author.id,
    userName: message.author.name,
    deliveryId: message.id,
    toolUseId: call.id,
    server,
    tool,
    argsSha256: argsDigest(call.input),
    ...how,
  });
}
