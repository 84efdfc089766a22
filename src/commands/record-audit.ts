import { recordAuditEntry } from '../store/audit-log.js';
import type { CommandContext } from './command.js';

/** What a command did, for the audit log; who and where come from the message. */
export interface AuditAction {
  /** `config.prompt`, `role.grant`, `forget-me`, … */
  action: string;
  /** Short and secret-free: what changed, never a persona's text or a key. */
  detail: string;
  /** Whom it was done to, if anyone. */
  target?: string;
}

/**
 * Records an admin action taken in chat: by the message's author, in its workspace and channel. Called right after the
 * change is stored: if this fails, the job fails and is retried, and the retry's change is recorded (once: the
 * delivery id is unique), so a change does not go unrecorded by a passing database error.
 */
export async function recordAudit(context: CommandContext, what: AuditAction): Promise<void> {
  const { message } = context;
  await recordAuditEntry(context.sql, {
    platform: message.platform,
    workspaceId: message.address.workspaceId,
    channelId: message.address.channelId,
    actorPlatform: message.platform,
    actorId: message.author.id,
    actorName: message.author.name,
    ...what,
    deliveryId: message.id,
  });
}
