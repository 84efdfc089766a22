import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnswerAction, AnswerActions } from '../../src/interactions/answer-actions.js';
import { APPROVAL_GONE, NOT_THE_ASKER } from '../../src/tools/decide-tool-call.js';
import { httpWorkspace } from '../../src/store/http-conversations.js';
import type { ApiPrincipal } from './api-keys.js';
import { answerMessage, type ChatDeps } from './chat-route.js';
import { ApiError, readJsonBody, sendJson } from './http-io.js';

/**
 * The console's (and any API client's) buttons on an answer: POST /v1/answers/{id}/stop, /regenerate, /feedback and
 * /remember (the fact Claude suggested with it, `suggested_memory`).
 * The key is the check (an API user is a workspace of their own, so another user's answer is not found); the rest is
 * the shared src/interactions/answer-actions.ts, as for Slack and Discord.
 */
export async function handleAnswerAction(
  deps: ChatDeps & { answers: AnswerActions },
  verb: 'stop' | 'regenerate' | 'feedback' | 'remember',
  req: IncomingMessage,
  res: ServerResponse,
  who: ApiPrincipal,
  answerId: string,
  cors: Record<string, string>,
): Promise<void> {
  const base = { answerId, platform: 'http', workspaceId: httpWorkspace(who.userId), user: { id: who.userId, name: who.userId } };
  let action: AnswerAction;
  if (verb === 'feedback') {
    const body = (await readJsonBody(req, deps.config.maxBodyBytes)) as { rating?: unknown; reason?: unknown } | null;
    if (!body || (body.rating !== 'good' && body.rating !== 'bad') || (body.reason !== undefined && typeof body.reason !== 'string')) {
      throw new ApiError(400, 'invalid_request', 'The body must be { "rating": "good" | "bad", "reason"?: "…" }.');
    }
    action = { ...base, kind: 'feedback', rating: body.rating, ...(typeof body.reason === 'string' ? { reason: body.reason } : {}) };
  } else {
    action = { ...base, kind: verb };
  }
  let answered = false;
  const result = await deps.answers.handle(action, async (message) => {
    // Regenerate: the new answer comes back as /v1/chat's would (JSON, or streamed with Accept: text/event-stream).
    answered = true;
    await answerMessage(deps, req, res, message, message.address.threadId ?? '-', cors);
  });
  if (answered) return;
  if (!result.done) {
    const notFound = result.notice?.startsWith('That answer is no longer');
    if (notFound) throw new ApiError(404, 'not_found', 'No such answer.');
    throw new ApiError(409, 'conflict', result.notice ?? 'The answer was regenerated already.');
  }
  sendJson(res, 200, { ok: true, ...(result.notice ? { message: result.notice } : {}) }, cors);
}

/**
 * POST /v1/approvals/{id}/approve and /deny: the asker's answer to a tool call waiting for approval (announced by the
 * `approval` event of a streamed answer). The continuation comes back like /v1/chat's answer: the tool's run and the
 * rest of the answer, or the turn's end when denied. Only the asker's key finds the request.
 */
export async function handleApproval(
  deps: ChatDeps & { answers: AnswerActions },
  verb: 'approve' | 'deny',
  req: IncomingMessage,
  res: ServerResponse,
  who: ApiPrincipal,
  approvalId: string,
  cors: Record<string, string>,
): Promise<void> {
  let answered = false;
  const result = await deps.answers.handle(
    { kind: verb, answerId: approvalId, platform: 'http', workspaceId: httpWorkspace(who.userId), user: { id: who.userId, name: who.userId } },
    async (message) => {
      answered = true;
      await answerMessage(deps, req, res, message, message.address.threadId ?? '-', cors);
    },
  );
  if (answered) return;
  if (result.notice === APPROVAL_GONE || result.notice === NOT_THE_ASKER) throw new ApiError(404, 'not_found', 'No such approval request.');
  throw new ApiError(409, 'conflict', result.notice ?? 'This request has already been answered.');
}
