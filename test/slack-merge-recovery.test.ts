import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackDeliveryId } from '../adapters/slack/slack-delivery-id.js';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import type { ReplyAddress } from '../src/domain/inbound-message.js';
import { RateBudget } from '../src/rate/rate-budget.js';
import { createRedis } from '../src/redis/create-redis.js';
import { ReplyWriter } from '../src/render/reply-writer.js';
import { claimDelivery } from '../src/store/claim-delivery.js';
import { startFakeSlack } from './fakes/fake-slack.js';
import { nextEventTs } from './fakes/slack-events.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const TOKEN = 'xoxb-test-token';

/**
 * A delivery derived from a Slack message (a parallel run's merge posts under `<delivery>#merge`) is answered in the
 * question's thread like the message itself, so its crash-recovery look-up must start at the question too: an app
 * outside the Marketplace reads 15 messages a call, once a minute (test/fakes/fake-slack-history.ts), so a look-up from
 * the thread's start never reaches the end of a long thread.
 */
describe('the crash-recovery look-up for a derived Slack delivery (a parallel merge) in a long thread', () => {
  let database: TestDatabase;
  let redis: Redis;
  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis?.quit();
    await database?.drop();
  });

  it('posts the merged answer once when the merge is retried after a crash (app outside the Marketplace)', async () => {
    const slack = await startFakeSlack({ botToken: TOKEN, appClass: 'non-marketplace' });
    try {
      const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, SLACK_APP_CLASS: 'non-marketplace' };
      const config = readConfig({ ...env, SLACK_NATIVE_STREAMING: 'false' }).platforms.slack!;
      const egress = new SlackEgress(config, silentLogger(), new RateBudget(redis, `xt-${randomBytes(4).toString('hex')}`));
      const parent = nextEventTs();
      slack.seedMessage({ channel: 'C-merge', ts: parent, user: 'U2', text: 'Topic: the launch plan' });
      for (let i = 1; i < 200; i++) slack.seedMessage({ channel: 'C-merge', ts: nextEventTs(), thread_ts: parent, user: 'U2', text: `message ${i}` });
      const question = nextEventTs();
      slack.seedMessage({ channel: 'C-merge', ts: question, thread_ts: parent, user: 'U1', text: '<@UBOT> /parallel plan the launch' });
      const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: 'C-merge', threadId: parent };
      const mergeDelivery = `${slackDeliveryId('T0FAKE', 'C-merge', question)}#merge`;

      // The dead merge attempt: posted its first message, then died before recording it.
      await egress.post(address, '_Merging the results…_', { deliveryId: mergeDelivery, part: 0 });
      await claimDelivery(database.sql, 'slack', address, mergeDelivery, 'U1');
      const retry = new ReplyWriter(egress, address, mergeDelivery, database.sql, silentLogger(), false, 'U1');
      await retry.start('_Merging the results…_');
      await retry.finish('The merged plan.');

      const own = slack.messages('C-merge', parent).filter((m) => m.user === 'UBOT');
      expect(own.map((m) => m.text)).toEqual(['The merged plan.']);
      expect(slack.count429).toBe(0);
    } finally {
      await slack.close();
    }
  });
});
