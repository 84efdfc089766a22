import type { Platform } from '../domain/inbound-message.js';
import { threadFollowUp } from '../store/conversations.js';
import type { Sql } from '../store/database.js';

const REMEMBERED = 10_000;

/**
 * Whether Xiaoliu is part of a thread, so a follow-up there needs no new mention. The conversation exists in
 * Postgres only once a worker has taken the mention that summoned Xiaoliu, so the gateway also remembers the threads
 * it was just summoned into: a follow-up right behind the mention (a busy queue, a replay after a reconnect) must not
 * be mistaken for talk Xiaoliu is not part of. Marks are set before any await, so handlers started in delivery order
 * see them.
 */
export class ThreadMembership {
  private readonly summoned = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly platform: Platform,
  ) {}

  /** Xiaoliu was just summoned into this thread (of this channel). */
  summon(channelId: string, threadId: string): void {
    this.summoned.add(`${channelId}/${threadId}`);
    if (this.summoned.size > REMEMBERED) this.summoned.delete(this.summoned.values().next().value!);
  }

  /**
   * Whether Xiaoliu was summoned into the thread, or has a conversation there, and the channel's admins have not
   * asked for answers on mentions only (`config reply-mode mentions`).
   */
  async isMember(workspaceId: string, channelId: string, threadId: string): Promise<boolean> {
    // Read the mark before any await: a message delivered before the summons must not see it set by then.
    const summoned = this.summoned.has(`${channelId}/${threadId}`);
    const thread = await threadFollowUp(this.sql, this.platform, { workspaceId, channelId, threadId });
    return !thread.mentionsOnly && (summoned || thread.hasConversation);
  }
}
