import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/create-logger.js';
import { INBOUND_QUEUE, jobIdFor, type InboundJobData } from '../queue/inbound-queue.js';
import { purgeJobsById, purgeMatchingJobs } from '../queue/purge-jobs.js';
import { forgetSkillState } from '../skills/forget-skill-state.js';
import type { ForgetTarget } from '../skills/skill.js';
import { announceDeletion } from './deletion-signals.js';

/** What deleting from Redis works with. */
export interface RedisStores {
  redis: Redis;
  prefix: string;
  /** The inbound queue. */
  queue: Queue<InboundJobData>;
  log: Logger;
}

/*
 * Postgres is where conversations live, but copies of what was said wait in Redis for days: the queue's jobs (the
 * message, kept an hour after its answer and a week after a failure) and the skills' state (a parallel run's request
 * and results, two days). Every deletion (a deleted conversation, `forget me`, data retention) takes those too, after
 * Postgres, so that a worker that still has the message can no longer store it.
 */

/**
 * A deleted conversation: its messages' jobs, queued, running or finished, and its skills' state. Running answers are
 * told to stop (their deliveries are marked 'deleted' in Postgres already).
 */
export async function forgetConversationInRedis(stores: RedisStores, deleted: { conversationId: number; deliveryIds: readonly string[] }): Promise<void> {
  const { redis, prefix, queue, log } = stores;
  await announceDeletion(redis, prefix, deleted.deliveryIds);
  const purged = await purgeJobsById(queue, deleted.deliveryIds.map(jobIdFor));
  await forgetSkillState({ redis, prefix, log }, { deliveryIds: deleted.deliveryIds, conversationIds: [deleted.conversationId] });
  log.info({ jobs: purged.removed, running: purged.running.length }, 'deleted a conversation from Redis too');
}

/**
 * `forget me`: the finished jobs of everything the person sent on the platform (the queue cannot be asked by person,
 * so it is looked through), and the skills' state of their requests. Messages still waiting to be answered are
 * answered: they were sent alongside the request to forget, not before it.
 */
export async function forgetPersonInRedis(
  stores: Omit<RedisStores, 'queue'>,
  person: { platform: string; authorId: string; deliveryIds: readonly string[]; conversationIds: readonly number[] },
): Promise<number> {
  const { redis, prefix, log } = stores;
  const queue = new Queue<InboundJobData>(INBOUND_QUEUE, { connection: redis, prefix });
  queue.on('error', (error) => log.debug({ err: error }, 'queue connection error'));
  try {
    const purged = await purgeMatchingJobs(queue, ['completed', 'failed'], (m) => m.platform === person.platform && m.author.id === person.authorId);
    const target: ForgetTarget = {
      deliveryIds: [...new Set([...person.deliveryIds, ...purged.deliveryIds])],
      conversationIds: person.conversationIds,
      authorId: person.authorId,
    };
    await forgetSkillState({ redis, prefix, log }, target);
    return purged.removed;
  } finally {
    await queue.close();
  }
}
