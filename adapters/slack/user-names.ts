import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../src/log/create-logger.js';

const TTL_MS = 60 * 60 * 1000;
const LOOKUP_TIMEOUT_MS = 1000;
const MAX_ENTRIES = 10_000;

/**
 * Display names by user id, so the model knows who said what. Looked up once an hour per user; a slow or failing
 * lookup falls back to the id rather than delaying the acknowledgement Slack waits for.
 */
export class UserNames {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
  ) {}

  async nameOf(userId: string | undefined): Promise<string> {
    if (!userId) return 'someone';
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.name;
    try {
      const lookup = this.client.users.info({ user: userId });
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('users.info timed out')), LOOKUP_TIMEOUT_MS).unref());
      const { user } = await Promise.race([lookup, timeout]);
      const name = user?.profile?.display_name || user?.real_name || user?.name || userId;
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(userId, { name, until: Date.now() + TTL_MS });
      return name;
    } catch (error) {
      this.log.debug({ err: error, userId }, 'could not look up a Slack user name; using the id');
      return userId;
    }
  }
}
