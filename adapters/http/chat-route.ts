import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import type { Ingress } from '../../src/ingress/ingress.js';
import type { RelayHub } from '../../src/relay/relay-hub.js';
import type { Sql } from '../../src/store/database.js';
import { INTERNAL_ERROR } from '../../src/delivery/deliver.js';
import { saveUpload } from '../../src/store/uploads.js';
import { deliveryAnswer, deliveryFinished, findHttpConversation, httpWorkspace } from '../../src/store/http-conversations.js';
import { AnswerCollector, type AnswerFile } from './answer-collector.js';
import type { ApiPrincipal } from './api-keys.js';
import type { HttpApiConfig } from './http-config.js';
import { httpChannel } from './http-egress.js';
import { ApiError, sendJson } from './http-io.js';
import { readChatRequest } from './read-chat-request.js';
import { isConversationId } from './resources.js';

/** How long a request waits for its answer; past it the answer still lands in the conversation. */
const ANSWER_TIMEOUT_MS = 15 * 60_000;
/** SSE comment lines keep proxies from closing a stream while the model thinks. */
const KEEPALIVE_MS = 15_000;
/** How often a waiting request asks Postgres whether its answer has finished, in case the relay missed its end. */
const RESUME_CHECK_MS = 30_000;

export interface ChatDeps {
  sql: Sql;
  ingress: Ingress;
  hub: RelayHub;
  prefix: string;
  config: HttpApiConfig;
}

/** The JSON answer, and the SSE stream's last `done` event. */
export interface ChatAnswer {
  conversation_id: string;
  answer_id: string;
  answer: string;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number; web_searches: number };
  files: AnswerFile[];
  /** A fact Claude suggested remembering with the answer: POST /v1/answers/{id}/remember keeps it. */
  suggested_memory?: string;
  /** The web pages the answer cites or read, numbered in this order (the console shows them as footnotes). */
  sources: { url: string; title: string }[];
}

/**
 * POST /v1/chat: queues the message like any platform's (the job carries the user id, never the key), then waits
 * for the worker's answer on the delivery's pub/sub channel: as one JSON body, or streamed as server-sent events.
 */
export async function handleChat(deps: ChatDeps, req: IncomingMessage, res: ServerResponse, who: ApiPrincipal, cors: Record<string, string>): Promise<void> {
  const started = performance.now();
  const { message: text, conversationId: given, files } = await readChatRequest(req, deps.config);
  if (given !== undefined && !(isConversationId(given) && (await findHttpConversation(deps.sql, who.userId, given)))) {
    throw new ApiError(404, 'not_found', 'No such conversation.');
  }
  const conversationId = given ?? randomUUID();
  // The files wait in Postgres for the worker (the queue carries only their ids), readable by this user only.
  const uploader = { platform: 'http', workspaceId: httpWorkspace(who.userId), userId: who.userId };
  const attachments = await Promise.all(files.map((file) => saveUpload(deps.sql, uploader, file)));
  const message: InboundMessage = {
    v: 1,
    id: `http-${randomUUID()}`,
    platform: 'http',
    kind: 'dm',
    address: { workspaceId: httpWorkspace(who.userId), channelId: who.userId, threadId: conversationId },
    author: { id: who.userId, name: who.userId, isBot: false },
    text,
    attachments,
    sentAt: new Date().toISOString(),
  };
  await answerMessage(deps, req, res, message, conversationId, cors, started);
}

/**
 * Queues a message and waits for its answer on the delivery's pub/sub channel, then sends it: as one JSON body, or
 * streamed as server-sent events (`start` names the conversation and the answer, for its Stop, Regenerate and
 * feedback). POST /v1/chat asks with it; POST /v1/answers/{id}/regenerate asks again with it.
 */
export async function answerMessage(
  deps: ChatDeps,
  req: IncomingMessage,
  res: ServerResponse,
  message: InboundMessage,
  conversationId: string,
  cors: Record<string, string>,
  started = performance.now(),
): Promise<void> {
  const streaming = /\btext\/event-stream\b/.test(req.headers.accept ?? '');
  const sse = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const collector = new AnswerCollector(
    streaming
      ? {
          delta: (t) => sse('delta', { text: t }),
          replace: (t) => sse('replace', { text: t }),
          file: (f) => sse('file', f),
          queued: (ahead) => sse('queued', { ahead }),
          activity: (text) => sse('activity', { text }),
          approval: (id, text) => sse('approval', { approval_id: id, text, approve_url: `/v1/approvals/${id}/approve`, deny_url: `/v1/approvals/${id}/deny` }),
        }
      : undefined,
  );
  const stop = await deps.hub.listen(httpChannel(deps.prefix, message.id), (event) => collector.onEvent(event));
  let keepalive: NodeJS.Timeout | undefined;
  try {
    // The client is waiting and sends again if it gets an error (a 500 here) rather than a queued question.
    await deps.ingress.submit(message, { receivedAt: started, ifRedisDown: 'fail' });
    if (streaming) {
      res.writeHead(200, { ...cors, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      sse('start', { conversation_id: conversationId, answer_id: message.id });
      keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    }
    const outcome = await waitForAnswer(deps, message.id, collector, res);
    if (outcome === 'gone') return; // the client left; the answer is still stored in the conversation
    if (outcome === 'timeout') {
      const error = { code: 'answer_timeout', message: `No answer within ${ANSWER_TIMEOUT_MS / 1000} s; it will appear in the conversation.` };
      if (streaming) return void (sse('error', { error, conversation_id: conversationId }), res.end());
      return sendJson(res, 504, { error, conversation_id: conversationId }, cors);
    }
    const answer = await loadAnswer(deps.sql, message.id, conversationId, collector, outcome === 'stored');
    if (answer === 'deleted') {
      const error = { code: 'conversation_deleted', message: 'The conversation was deleted before its answer was finished; nothing of it is kept.' };
      if (streaming) return void (sse('error', { error, conversation_id: conversationId }), res.end());
      return sendJson(res, 410, { error, conversation_id: conversationId }, cors);
    }
    if (streaming) {
      // The events of the answer were missed (Redis restarted meanwhile): the stored answer replaces what was shown.
      if (outcome === 'stored' && answer.answer !== collector.text) sse('replace', { text: answer.answer });
      if (outcome === 'stored') for (const file of answer.files.filter((f) => !collector.files.some((c) => c.id === f.id))) sse('file', file);
      sse('done', answer);
      res.end();
    } else {
      sendJson(res, 200, answer, cors);
    }
  } finally {
    clearInterval(keepalive);
    await stop();
  }
}

/**
 * Waits for the worker's `done`, the client leaving, or the time limit. Events published while the relay's connection
 * was down (a Redis restart) never arrive, `done` included: so after a reconnect, and every RESUME_CHECK_MS as a last
 * resort, Postgres is asked whether the delivery has finished, and if it has the answer is taken from there ('stored').
 */
function waitForAnswer(deps: ChatDeps, deliveryId: string, collector: AnswerCollector, res: ServerResponse): Promise<'done' | 'stored' | 'gone' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish('timeout'), ANSWER_TIMEOUT_MS);
    const check = () =>
      void deliveryFinished(deps.sql, deliveryId).then(
        (finished) => finished && finish('stored'),
        () => {}, // Postgres away too: the next check tries again
      );
    const recheck = setInterval(check, RESUME_CHECK_MS);
    const stopHearingReconnects = deps.hub.onReconnect(check);
    // The response closes before it is ended only when the client disconnected.
    const onClose = () => finish('gone');
    res.once('close', onClose);
    void collector.done.then(() => finish('done'));
    let finished = false;
    function finish(outcome: 'done' | 'stored' | 'gone' | 'timeout') {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(recheck);
      stopHearingReconnects();
      res.off('close', onClose);
      resolve(outcome);
    }
  });
}

/**
 * The whole answer as stored (a long one is only a head in the streamed message), with what it cost; 'deleted' when
 * its conversation was deleted first. `resumed`: the relayed events were missed, so the files are read from Postgres.
 */
async function loadAnswer(sql: Sql, deliveryId: string, conversationId: string, collector: AnswerCollector, resumed: boolean): Promise<ChatAnswer | 'deleted'> {
  const { text, usage, status, files, sources } = await deliveryAnswer(sql, deliveryId, { withFiles: resumed });
  if (status === 'deleted') return 'deleted';
  const [suggestion] = await sql<{ fact: string | null }[]>`select suggested_memory as fact from answers where delivery_id = ${deliveryId}`;
  return {
    ...(suggestion?.fact ? { suggested_memory: suggestion.fact } : {}),
    conversation_id: conversationId,
    // The answer's id, for POST /v1/answers/{id}/stop, /regenerate and /feedback.
    answer_id: deliveryId,
    // Commands that store no answer (help, reset) and error replies: what was shown is the answer.
    answer: text ?? (collector.text || (resumed && status === 'failed' ? `⚠️ ${INTERNAL_ERROR}` : collector.text)),
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cost_usd: usage.costUsd, web_searches: usage.webSearches },
    sources,
    files: resumed ? files.map((f) => ({ id: f.id, filename: f.filename, mime_type: f.mimeType, size: f.size, url: `/v1/files/${f.id}` })) : collector.files,
  };
}
