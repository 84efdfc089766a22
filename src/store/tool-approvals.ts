import type Anthropic from '@anthropic-ai/sdk';
import type { InboundMessage } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** Where the tool loop was when it stopped to ask: enough to continue it on any worker. */
export interface PausedTurn {
  system: Anthropic.TextBlockParam[];
  /** The conversation before the assistant turn that asked for the call. */
  messages: Anthropic.MessageParam[];
  /** That assistant turn, unmodified (thinking blocks and their signatures included), tool_use blocks and all. */
  assistant: Anthropic.ContentBlockParam[];
  /** The results of that turn's other calls, already run, in order; the approved call's goes where it belongs. */
  results: Anthropic.ToolResultBlockParam[];
  /** Model calls made so far (the step limit counts on across the pause). */
  step: number;
  /** Lines shown under the answer: the tools used and how they went. */
  used: string[];
  /** The approved call's result, once it ran: a retried continuation uses it instead of calling again. */
  outcome?: { text: string; isError: boolean };
}

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'running' | 'done';

export interface ApprovalRow {
  id: string;
  platform: string;
  workspaceId: string;
  channelId: string;
  deliveryId: string;
  message: InboundMessage;
  askerId: string;
  server: string;
  tool: string;
  toolUseId: string;
  input: unknown;
  turn: PausedTurn;
  state: ApprovalState;
  decidedBy: string | null;
  messageId: string | null;
  expiresAt: string;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

function rowOf(row: ApprovalRow): ApprovalRow {
  return { ...row, message: json(row.message), input: json(row.input), turn: json(row.turn) };
}

/**
 * Stores a paused call; a retried job that pauses again (its id is the delivery's) keeps the first row, whose
 * buttons are already out. Returns the row in force.
 */
export async function savePendingApproval(
  sql: Sql,
  row: Omit<ApprovalRow, 'state' | 'decidedBy' | 'messageId' | 'expiresAt'>,
  timeoutMs: number,
): Promise<ApprovalRow> {
  await sql`
    insert into tool_approvals (id, platform, workspace_id, channel_id, delivery_id, message, asker_id, server, tool, tool_use_id, input, turn, state, expires_at)
    values (${row.id}, ${row.platform}, ${row.workspaceId}, ${row.channelId}, ${row.deliveryId}, ${JSON.stringify(row.message)}::jsonb,
      ${row.askerId}, ${row.server}, ${row.tool}, ${row.toolUseId}, ${JSON.stringify(row.input ?? {})}::jsonb, ${JSON.stringify(row.turn)}::jsonb,
      'pending', now() + ${timeoutMs} * interval '1 millisecond')
    on conflict (id) do nothing`;
  return (await findApprovalById(sql, row.id))!;
}

const columns = (sql: Sql) => sql`id, platform, workspace_id as "workspaceId", channel_id as "channelId", delivery_id as "deliveryId",
  message, asker_id as "askerId", server, tool, tool_use_id as "toolUseId", input, turn, state, decided_by as "decidedBy",
  message_id as "messageId", expires_at::text as "expiresAt"`;

/** A paused call of a workspace: one of another workspace is not found (tenants never mix). */
export async function findApproval(sql: Sql, platform: string, workspaceId: string, id: string): Promise<ApprovalRow | undefined> {
  const [row] = await sql<ApprovalRow[]>`select ${columns(sql)} from tool_approvals where id = ${id} and platform = ${platform} and workspace_id = ${workspaceId}`;
  return row && rowOf(row);
}

/** By id alone: for the timeout, which acts for nobody in particular. */
export async function findApprovalById(sql: Sql, id: string): Promise<ApprovalRow | undefined> {
  const [row] = await sql<ApprovalRow[]>`select ${columns(sql)} from tool_approvals where id = ${id}`;
  return row && rowOf(row);
}

/**
 * The asker's decision, taken only while the call is pending and not yet expired: of two clicks (or a click and the
 * timeout) exactly one moves it. True when this one did.
 */
export async function decideApproval(sql: Sql, id: string, verdict: 'approved' | 'denied', by: string): Promise<boolean> {
  const rows = await sql`
    update tool_approvals set state = ${verdict}, decided_by = ${by}, decided_at = now()
    where id = ${id} and state = 'pending' and expires_at > now() returning id`;
  return rows.length === 1;
}

/** The timeout's turn: a call still pending past its time lapses. True when this did it. */
export async function expireApproval(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`
    update tool_approvals set state = 'expired', decided_at = now() where id = ${id} and state = 'pending' and expires_at <= now() returning id`;
  return rows.length === 1;
}

/** Takes an approved call to run it: once, whatever retries follow (a second taker finds it running or done). */
export async function startApprovedCall(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`update tool_approvals set state = 'running' where id = ${id} and state = 'approved' returning id`;
  return rows.length === 1;
}

/** The approved call ran: its result is kept with the turn, for a continuation retried after this point. */
export async function finishApprovedCall(sql: Sql, id: string, outcome: { text: string; isError: boolean }): Promise<void> {
  await sql`update tool_approvals set state = 'done', turn = turn || jsonb_build_object('outcome', ${JSON.stringify(outcome)}::jsonb) where id = ${id}`;
}

export async function noteApprovalMessage(sql: Sql, id: string, messageId: string): Promise<void> {
  await sql`update tool_approvals set message_id = ${messageId} where id = ${id}`;
}
