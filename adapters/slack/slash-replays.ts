import type { Redis } from 'ioredis';
import type { Logger } from '../../src/log/create-logger.js';

/*
 * A signed Slack request stays valid for five minutes: Slack's request verification only asks the receiver to refuse
 * timestamps more than five minutes off, "to protect against replay attacks"
 * (https://api.slack.com/authentication/verifying-requests-from-slack), and Bolt does exactly that. Within those
 * minutes the identical request (a copy from a proxy log, a captured body) passes every check again. Events are
 * deduplicated by the delivery id of their message, but a slash command carries no event id, and Xiaoliu makes its
 * delivery id from the question it posts, so each replay would be posted and answered anew. Each invocation has its own
 * `trigger_id`, issued for that one command and short-lived (it opens a modal for 3 seconds:
 * https://api.slack.com/interactivity/slash-commands#app_command_handling): the first request with a trigger_id is
 * taken, and any other with the same one within the window is dropped.
 */

/** Longer than any replay window: five minutes of signature age, plus five of clock skew allowed ahead. */
const REPLAY_WINDOW_SECONDS = 10 * 60;

/**
 * Whether this is the first time this slash command invocation is seen. An invocation without a trigger_id cannot be
 * told apart and is taken; so is one while Redis cannot answer (the command is then held, and Redis is needed for it
 * anyway), with a log line.
 */
export async function firstInvocation(redis: Redis, prefix: string, command: { team_id: string; trigger_id?: string }, log: Logger): Promise<boolean> {
  if (!command.trigger_id) return true;
  // The shared connection waits for Redis to come back; a command must not wait with it, but be held (ingress.ts).
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<'unanswered'>((resolve) => (timer = setTimeout(() => resolve('unanswered'), CHECK_TIMEOUT_MS)));
  const key = `${prefix}:slack:slash:${command.team_id}:${command.trigger_id}`;
  try {
    const set = redis.status === 'ready' ? await Promise.race([redis.set(key, '1', 'EX', REPLAY_WINDOW_SECONDS, 'NX'), unanswered]) : 'unanswered';
    if (set !== 'unanswered') return set === 'OK';
    log.warn('could not check a slash command for replays: Redis (REDIS_URL) is not answering; taking it');
  } catch (error) {
    log.warn({ err: error }, 'could not check a slash command for replays (is Redis reachable at REDIS_URL?); taking it');
  } finally {
    clearTimeout(timer);
  }
  return true;
}

/** How long the replay check waits for Redis before taking the command unchecked. */
const CHECK_TIMEOUT_MS = 1000;
