import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import type { ChatResult, ToolCall } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { saveAnswerText } from '../turn/save-answer-text.js';
import { findMcpServer } from '../store/mcp-servers.js';
import {
  findApproval,
  finishApprovedCall,
  noteApprovalMessage,
  savePendingApproval,
  startApprovedCall,
  type ApprovalRow,
} from '../store/tool-approvals.js';
import { scheduleApprovalExpiry } from './approval-expiry.js';
import type { McpToolEntry } from './mcp-catalog.js';
import { record, runMcpCall } from './run-mcp-call.js';
import { finishTurn, runToolLoop, turnTools, type LoopTurn } from './tool-loop.js';

/**
 * The part of the delivery the approval request is posted as: past any part of its answer (a platform that dedupes
 * posts keys them by delivery and part), and on the delivery's own channel where answers are relayed (HTTP, shell).
 */
const APPROVAL_PART = 100;

/** The approval of a delivery's paused call: one per delivery (a retried job finds its own), short enough to type. */
export function approvalIdOf(deliveryId: string): string {
  return createHash('sha256').update(deliveryId).digest('hex').slice(0, 12);
}

/** How the arguments are shown to the asker who decides: all of them, up to a screenful. */
function shownArgs(input: unknown): string {
  const json = JSON.stringify(input ?? {}, null, 2);
  return json.length > 1500 ? `${json.slice(0, 1500)}\n…` : json;
}

const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}` : `${Math.round(ms / 1000)} seconds`);

/**
 * A side-effecting call waits for its asker: the turn so far (the conversation with the assistant's tool_use, and the
 * results of the turn's other calls) is stored in Postgres, the asker is shown the call with Approve and Deny, its
 * timeout is set, and this job ends. Nothing in the conversation can approve it: only the button, by the asker.
 */
export async function pauseForApproval(
  context: CommandContext,
  turn: LoopTurn,
  result: ChatResult,
  results: Anthropic.ToolResultBlockParam[],
  pending: { call: ToolCall; entry: McpToolEntry },
): Promise<void> {
  const { message, config, egress } = context;
  const { call, entry } = pending;
  const timeoutMs = config.mcp.approvalTimeoutMs;
  const row = await savePendingApproval(
    context.sql,
    {
      id: approvalIdOf(message.id),
      platform: message.platform,
      workspaceId: message.address.workspaceId,
      channelId: message.address.channelId,
      deliveryId: message.id,
      message,
      askerId: message.author.id,
      server: entry.server.name,
      tool: entry.tool.name,
      toolUseId: call.id,
      input: call.input,
      turn: { system: turn.system, messages: turn.messages, assistant: result.content, results, step: turn.step, used: turn.used },
    },
    timeoutMs,
  );
  const request = [
    `🔐 *Approval needed* — I would like to run \`${row.tool}\` on the MCP server *${row.server}*, which may change things there, with:`,
    '```',
    shownArgs(row.input),
    '```',
    `Only ${message.author.name}, who asked, can approve it; it lapses in ${minutes(timeoutMs)}. (Request \`${row.id}\`: in the terminal, type \`/approve ${row.id}\` or \`/deny ${row.id}\`.)`,
  ].join('\n');
  const posted = await egress.post(message.address, request, { deliveryId: message.id, part: APPROVAL_PART }, { controls: { answerId: row.id, state: 'approval' } });
  await noteApprovalMessage(context.sql, row.id, posted.messageId);
  await scheduleApprovalExpiry(context.redis, config.queuePrefix, row.id, timeoutMs);
  context.log.info({ approval: row.id, server: row.server, tool: row.tool }, 'a tool call waits for its asker');
  const said = result.text.trim();
  const waiting = `${said ? `${said}\n\n` : ''}_⏸ Waiting for ${message.author.name} to approve \`${row.tool}\` on ${row.server} (request \`${row.id}\`)._`;
  await context.reply.finish(waiting);
  saveAnswerText(context, waiting);
}

/**
 * The continuation a decision queued (`message.toolApproval`): a denied or lapsed call ends the turn with a clear
 * message; an approved one runs exactly once (a conditional update takes it; a continuation retried after it ran uses
 * the stored result, and one retried while it ran does not run it again) and the loop goes on where it stopped.
 */
export async function resumeToolCall(context: CommandContext, started: Promise<void>): Promise<void> {
  const { message, sql } = context;
  const row = await findApproval(sql, message.platform, message.address.workspaceId, message.toolApproval!.id);
  if (!row) return context.reply.finish('That request is no longer available.');
  const call: ToolCall = { id: row.toolUseId, name: row.tool, input: row.input };
  const label = `\`${row.tool}\` on ${row.server}`;
  if (row.state === 'denied' || row.state === 'expired') {
    const denied = row.state === 'denied';
    await record(context, call, row.server, row.tool, { resultChars: 0, durationMs: 0, outcome: row.state, approvedBy: undefined });
    await settle(context, row, denied ? `✖ Denied by ${nameOf(row.decidedBy)}: ${label} was not run.` : `⌛ Not approved in time: ${label} was not run.`);
    const text = denied
      ? `✖ ${nameOf(row.decidedBy)} denied running ${label}, so I did not run it and stopped here.`
      : `⌛ Nobody approved running ${label} in time (${minutes(context.config.mcp.approvalTimeoutMs)}), so I did not run it and stopped here.`;
    await context.reply.finish(text);
    saveAnswerText(context, text);
    return;
  }
  if (row.state === 'pending') return context.reply.finish(`${label} is still waiting for approval.`);
  const outcome = await runApproved(context, row, call);
  const turn: LoopTurn = { system: row.turn.system, messages: row.turn.messages, step: row.turn.step, used: [...row.turn.used, outcome.line] };
  const results = row.turn.results.map((block) => (block.tool_use_id === row.toolUseId ? outcome.block : block));
  turn.messages = [...turn.messages, { role: 'assistant', content: row.turn.assistant }, { role: 'user', content: results }];
  const end = await runToolLoop(context, turn, await turnTools(context));
  await finishTurn(context, end, turn, started);
}

/** The approved call's result: run now if this continuation took it, else what an earlier run left. */
async function runApproved(context: CommandContext, row: ApprovalRow, call: ToolCall): Promise<{ block: Anthropic.ToolResultBlockParam; line: string }> {
  const label = `${row.server} › ${row.tool}`;
  if (await startApprovedCall(context.sql, row.id)) {
    await settle(context, row, `✅ Approved by ${nameOf(row.decidedBy)}: running ${label}.`);
    const server = await findMcpServer(context.sql, { platform: row.platform, workspaceId: row.workspaceId }, row.server);
    if (!server) {
      const text = `The MCP server ${row.server} was removed before the call could run.`;
      await finishApprovedCall(context.sql, row.id, { text, isError: true });
      return { block: { type: 'tool_result', tool_use_id: call.id, content: text, is_error: true }, line: `✗ ${label} (removed)` };
    }
    const ran = await runMcpCall(context, call, server, row.tool, row.decidedBy ?? undefined);
    await finishApprovedCall(context.sql, row.id, ran.outcome);
    return ran;
  }
  const now = await findApproval(context.sql, row.platform, row.workspaceId, row.id);
  if (now?.state === 'done' && now.turn.outcome) {
    const { text, isError } = now.turn.outcome;
    return { block: { type: 'tool_result', tool_use_id: call.id, content: text, ...(isError ? { is_error: true } : {}) }, line: `${isError ? '✗' : '✓'} ${label}` };
  }
  // Taken by a run that never finished (its worker died mid-call): whether it had its effect is unknown, and running
  // it again could do it twice; the model is told, and so is the audit.
  await record(context, call, row.server, row.tool, { resultChars: 0, durationMs: 0, outcome: 'interrupted', approvedBy: row.decidedBy ?? undefined });
  const text = 'The approved call was interrupted before it reported back; it is not run again, so that it cannot happen twice. Its effect is unknown.';
  return { block: { type: 'tool_result', tool_use_id: call.id, content: text, is_error: true }, line: `✗ ${label} (interrupted)` };
}

/** The approval message shows the decision, without its buttons. Best effort: the answer says it too. */
async function settle(context: CommandContext, row: ApprovalRow, text: string): Promise<void> {
  if (!row.messageId) return;
  await context.egress
    .edit(row.message.address, row.messageId, text, { controls: { answerId: row.id, state: 'none' } })
    .catch((error: unknown) => context.log.warn({ err: error }, 'could not update the approval message'));
}

/** "Ada (U1)" → "Ada". */
function nameOf(decidedBy: string | null): string {
  return decidedBy?.replace(/ \([^)]*\)$/, '') || 'the asker';
}
