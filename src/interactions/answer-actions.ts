import type { Redis } from 'ioredis';
import type { Config } from '../config/read-config.js';
import { announceStop } from '../delivery/deletion-signals.js';
import type { InboundMessage, Platform } from '../domain/inbound-message.js';
import type { Ingress } from '../ingress/ingress.js';
import type { Logger } from '../log/create-logger.js';
import { findAnswer, recordFeedback, replaceAnswer, type AnswerRow } from '../store/answers.js';
import type { Sql } from '../store/database.js';
import { decideToolCall } from '../tools/decide-tool-call.js';
import { roleFrom, type Role } from '../store/user-roles.js';
import { rememberSuggested } from '../memory/remember-suggested.js';

/**
 * A button pressed on an answer, as every platform reads it: the platform has checked it is genuine (Slack's signature
 * through Bolt, Discord's gateway, the console's API key) and acknowledged it; the rest is here, once.
 */
export interface AnswerAction {
  kind: 'stop' | 'regenerate' | 'feedback' | 'remember' | 'approve' | 'deny';
  /** The answer's delivery id, as the button carries it (for approve / deny: the tool approval's id). */
  answerId: string;
  platform: Platform;
  /** The workspace the click came from: an answer of another one is not found (tenants never mix). */
  workspaceId: string;
  user: { id: string; name: string };
  rating?: 'good' | 'bad';
  /** The optional short reason given with feedback. */
  reason?: string;
}

/** What happened, and what the person who clicked reads (only them), if anything. */
export interface ActionResult {
  done: boolean;
  /** Said to the clicker alone (Slack ephemeral, Discord ephemeral follow-up, console notice); undefined: nothing to say. */
  notice?: string;
}

export const NOT_FOUND = 'That answer is no longer available here.';
export const NOT_YOURS = 'Only the person who asked, or an admin, can do that.';
const REASON_MAX = 500;

/**
 * Stop, Regenerate, feedback and "Remember this" on an answer, for every platform's ingress (and later tool approvals). The answer's
 * row in Postgres is the state, so any gateway takes a click on any answer, after any restart; each action is
 * idempotent: Stop announces the same stop again, Regenerate moves the answer out of 'done' once (a double click asks
 * once), feedback is one row per person and answer.
 */
export class AnswerActions {
  constructor(
    private readonly deps: { sql: Sql; redis: Redis; prefix: string; config: Config; ingress: Ingress; log: Logger },
  ) {}

  /**
   * `submit` queues Regenerate's message (the ingress's, unless given): the HTTP API passes its own, which also waits
   * for the new answer and streams it to the client that asked.
   */
  async handle(action: AnswerAction, submit?: (message: InboundMessage) => Promise<unknown>): Promise<ActionResult> {
    const { sql, log } = this.deps;
    // A tool call waiting for its asker: the same plumbing, its own state (src/tools/tool-approval.ts).
    if (action.kind === 'approve' || action.kind === 'deny') {
      return decideToolCall(this.deps, { ...action, verdict: action.kind }, submit ?? ((message) => this.deps.ingress.submit(message, { receivedAt: performance.now(), ifRedisDown: 'fail' })));
    }
    const answer = await findAnswer(sql, action.platform, action.workspaceId, action.answerId);
    if (!answer) return { done: false, notice: NOT_FOUND };
    const logged = { platform: action.platform, answer: action.answerId, action: action.kind };
    switch (action.kind) {
      case 'stop': {
        if (!(await this.mayControl(answer, action))) return { done: false, notice: NOT_YOURS };
        if (answer.state !== 'streaming') return { done: false, notice: 'That answer has already finished.' };
        await announceStop(this.deps.redis, this.deps.prefix, answer.deliveryId);
        log.info(logged, 'answer stopped');
        return { done: true };
      }
      case 'regenerate': {
        if (!(await this.mayControl(answer, action))) return { done: false, notice: NOT_YOURS };
        if (answer.state === 'streaming') return { done: false, notice: 'That answer is still being written: stop it first, or wait.' };
        const id = await replaceAnswer(sql, answer);
        // Replaced already: another click (a double click, a second person) asked again; this one does nothing.
        if (!id) return { done: false };
        const message = regeneration(answer, id);
        if (submit) await submit(message);
        else await this.deps.ingress.submit(message, { receivedAt: performance.now(), ifRedisDown: 'fail' });
        log.info(logged, 'answer regenerating');
        return { done: true };
      }
      case 'remember': {
        // "Remember this": the fact Claude suggested with the answer becomes a channel memory (src/memory/).
        if (!(await this.mayControl(answer, action))) return { done: false, notice: NOT_YOURS };
        const remembered = await rememberSuggested(sql, answer, action.user);
        if (remembered.done) log.info(logged, 'suggested memory kept');
        return remembered;
      }
      case 'feedback': {
        const reason = action.reason?.trim().slice(0, REASON_MAX) || undefined;
        await recordFeedback(sql, answer, action.user.id, action.rating ?? 'good', reason);
        log.info({ ...logged, rating: action.rating }, 'feedback on an answer');
        return { done: true, notice: 'Thanks for the feedback!' };
      }
    }
  }

  /** Only the asker, or an admin of the answer's workspace, may stop or regenerate it. */
  private async mayControl(answer: AnswerRow, action: AnswerAction): Promise<boolean> {
    return answer.askerId === action.user.id || (await this.isAdmin(answer.platform, answer.workspaceId, action.user.id));
  }

  /** Whether a person is an admin of a workspace (XIAOLIU_ADMINS, or made one there with `role`). */
  async isAdmin(platform: Platform, workspaceId: string, userId: string): Promise<boolean> {
    const [row] = await this.deps.sql<{ role: Role }[]>`
      select role from user_roles where platform = ${platform} and workspace_id = ${workspaceId} and user_id = ${userId}`;
    return roleFrom(this.deps.config, platform, userId, row?.role) === 'admin';
  }
}

/** The message Regenerate queues: the question again, by its asker, answered in place of the answer it replaces. */
function regeneration(answer: AnswerRow, id: string): InboundMessage {
  return {
    v: 1,
    id,
    platform: answer.platform,
    kind: answer.kind,
    address: answer.address,
    author: { id: answer.askerId, name: answer.askerName, isBot: false },
    text: answer.question,
    attachments: [],
    sentAt: new Date().toISOString(),
    ...(answer.messageId ? { messageId: answer.messageId } : {}),
    regenerate: { questionId: answer.questionId, replaces: answer.deliveryId },
  };
}
