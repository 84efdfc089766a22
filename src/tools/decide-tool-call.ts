import type { InboundMessage, Platform } from '../domain/inbound-message.js';
import type { ActionResult } from '../interactions/answer-actions.js';
import type { Logger } from '../log/create-logger.js';
import type { Sql } from '../store/database.js';
import { decideApproval, findApproval, type ApprovalRow } from '../store/tool-approvals.js';
import { questionOf } from '../store/answers.js';

/** A press of Approve or Deny on a tool call, as every platform reads it (checked genuine by the platform). */
export interface ToolDecision {
  /** The approval's id, as the button carries it. */
  answerId: string;
  platform: Platform;
  workspaceId: string;
  user: { id: string; name: string };
  verdict: 'approve' | 'deny';
}

export const APPROVAL_GONE = 'That request is no longer available here.';
export const NOT_THE_ASKER = 'Only the person who asked can approve or deny this.';

/**
 * Approve or Deny: only from a platform interaction (a button, the console's endpoint, the shell's typed `/approve`)
 * by the asker themselves; nothing a tool or the model writes can reach here. The decision moves the stored call out
 * of 'pending' by a conditional update, so of a double click, or a click racing the timeout, exactly one acts; that
 * one queues the continuation (`submit`), which runs the call (or says it was denied) on whichever worker takes it.
 */
export async function decideToolCall(
  deps: { sql: Sql; log: Logger },
  decision: ToolDecision,
  submit: (message: InboundMessage) => Promise<unknown>,
): Promise<ActionResult> {
  const row = await findApproval(deps.sql, decision.platform, decision.workspaceId, decision.answerId);
  if (!row) return { done: false, notice: APPROVAL_GONE };
  if (row.askerId !== decision.user.id) return { done: false, notice: NOT_THE_ASKER };
  const verdict = decision.verdict === 'approve' ? 'approved' : 'denied';
  if (!(await decideApproval(deps.sql, row.id, verdict, `${decision.user.name} (${decision.user.id})`))) {
    const now = await findApproval(deps.sql, decision.platform, decision.workspaceId, row.id);
    const state = now?.state === 'pending' ? 'expired' : now?.state;
    return { done: false, notice: state === 'expired' ? 'This request has expired; nothing was run.' : 'This request has already been answered.' };
  }
  deps.log.info({ approval: row.id, server: row.server, tool: row.tool, verdict }, 'tool call decided');
  await submit(continuationOf(row, await questionOf(deps.sql, row.deliveryId)));
  return { done: true };
}

/**
 * The message that continues a paused turn: the asker's, at the same address, under a delivery id of its own (so it
 * is answered once, whoever queued it: the click, or the timeout, or both after a lost acknowledgement). It carries
 * the paused answer's question as its command's words, so the answer it gives records that question and Regenerate
 * under it asks it again (chat resumes the paused turn before it looks at its words).
 */
export function continuationOf(row: ApprovalRow, question: string): InboundMessage {
  const { message } = row;
  return {
    v: 1,
    id: `${row.deliveryId}#approval-${row.id}`,
    platform: message.platform,
    kind: message.kind,
    address: message.address,
    author: message.author,
    text: '',
    command: { name: 'ask', args: question },
    attachments: [],
    sentAt: new Date().toISOString(),
    toolApproval: { id: row.id },
  };
}
