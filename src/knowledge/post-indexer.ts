import { isAllowed } from '../config/is-allowed.js';
import type { ControlsConfig } from '../config/read-config.js';
import type { Logger } from '../log/create-logger.js';
import type { ChannelKey } from '../store/channel-settings.js';
import type { Sql } from '../store/database.js';
import { removePosts, storePosts, type ChannelPost } from './channel-posts.js';

/**
 * The gateway's side of knowledge: every message people post in a channel (not only those for Xiaoliu) is handed
 * here by its platform's ingress, and indexed when the channel has `config knowledge on`. No job is queued: a message
 * not addressed to Xiaoliu is not a question, and indexing it is one insert (which itself checks the channel's
 * setting), cheaper than queueing. It runs after the event is taken and never holds up its acknowledgement: the
 * adapters do not await it, and a failure is a log line (the message is then missing from the index; nothing else
 * depends on it). Places outside the allow-lists and DMs are never indexed.
 */
export class PostIndexer {
  constructor(private readonly deps: { sql: Sql; log: Logger; controls: ControlsConfig }) {}

  /** A message posted, or edited (the same id: its text is replaced). */
  posted(post: ChannelPost): void {
    if (!this.admits(post)) return;
    this.run('index a channel message', storePosts(this.deps.sql, [post]));
  }

  /** Messages deleted on the platform: their text leaves the index. */
  deleted(key: ChannelKey, messageIds: readonly string[]): void {
    if (!this.admits(key) || messageIds.length === 0) return;
    this.run('remove a deleted message from the index', removePosts(this.deps.sql, key, messageIds));
  }

  /** Writes under way, for shutdown to wait on. */
  private readonly pending = new Set<Promise<unknown>>();

  /** Resolves once every write handed over so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private admits(key: ChannelKey): boolean {
    return isAllowed(this.deps.controls, { ...key, isDm: false });
  }

  private run(what: string, write: Promise<unknown>): void {
    const done = write.catch((error: unknown) =>
      this.deps.log.warn({ err: error }, `could not ${what} for knowledge search: is Postgres (DATABASE_URL) reachable?`),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
