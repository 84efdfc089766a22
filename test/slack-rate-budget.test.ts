import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import type { ReplyAddress } from '../src/domain/inbound-message.js';
import { RateBudget } from '../src/rate/rate-budget.js';
import { createRedis } from '../src/redis/create-redis.js';
import { ReplyWriter } from '../src/render/reply-writer.js';
import { claimDelivery } from '../src/store/claim-delivery.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { silentLogger } from './support/silent-logger.js';
import { TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const TOKEN = 'xoxb-test-token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slack's rate limits, shared by every worker through Redis, against a fake Slack that enforces Slack's documented
 * tiers per method per workspace (test/fakes/fake-slack-tiers.ts). Each "worker" is an egress of its own: its own
 * WebClient, its own Redis connection and budget object; all they share is Redis, as pods would.
 */
describe('Slack rate budget shared by workers through Redis', () => {
  let database: TestDatabase;
  const connections: Redis[] = [];
  const fakes: FakeSlack[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await Promise.all(fakes.map((f) => f.close()));
    await database?.drop();
  });

  /** A fake Slack and `count` workers' egresses answering in its one workspace. */
  async function workers(count: number, timeScale: number, env: Record<string, string> = {}) {
    const slack = await startFakeSlack({ botToken: TOKEN, timeScale });
    fakes.push(slack);
    const config = readConfig({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, ...env });
    const prefix = `xt-${randomBytes(4).toString('hex')}`;
    const egresses = Array.from({ length: count }, () => {
      const redis = createRedis(TEST_REDIS_URL);
      connections.push(redis);
      return new SlackEgress(config.platforms.slack!, silentLogger(), new RateBudget(redis, prefix, { timeScale }));
    });
    return { slack, egresses };
  }

  /** One answer as a worker gives it: start, text streamed a piece at a time, then the final text. */
  async function answer(egress: SlackEgress, address: ReplyAddress, id: string, text: string, pieces: number, gapMs: number) {
    await claimDelivery(database.sql, 'slack', address, id, 'U1');
    const writer = new ReplyWriter(egress, address, id, database.sql, silentLogger(), true, 'U1');
    await writer.start();
    for (let i = 1; i <= pieces; i++) {
      writer.stream(text.slice(0, Math.ceil((text.length * i) / pieces)));
      await sleep(gapMs);
    }
    await writer.finish(text);
  }

  /** The answer's one message: the stream in the thread, or the bot's top-level message. */
  const answerText = (slack: FakeSlack, address: ReplyAddress) => {
    const own = slack.messages(address.channelId, address.threadId).filter((m) => m.user === 'UBOT' && m.ts !== address.threadId);
    return own.map((m) => m.text);
  };

  it('two workers answering many questions at once in one workspace draw no 429, and every answer is whole', async () => {
    // Slack's minute becomes 3 s here, in the fake and in the budget alike.
    const { slack, egresses } = await workers(2, 0.05, { SLACK_EDIT_INTERVAL_MS: '100' });
    const jobs = Array.from({ length: 48 }, (_, i) => {
      // Half in DM threads (native streams: start, appends, stop), a quarter in channel threads and a quarter at a
      // channel's top level (a post, then edits).
      const channelId = i % 4 === 3 ? `C${i}` : `${i % 4 < 2 ? 'D' : 'C'}${i % 6}`;
      const threadId = i % 4 === 3 ? undefined : `1700000000.${String(1000 + i).padStart(6, '0')}`;
      const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId, ...(threadId ? { threadId } : {}) };
      const text = `Answer ${i}: ${Array.from({ length: 30 }, (_, w) => `word${w}`).join(' ')}.`;
      return { address, text, run: () => answer(egresses[i % 2]!, address, `d-many-${i}`, text, 15, 40) };
    });
    await Promise.all(jobs.map((j) => j.run()));
    expect(slack.count429).toBe(0);
    for (const { address, text } of jobs) expect(answerText(slack, address)).toEqual([text]);
  });

  it('when the budget is tight, previews are left out but the final text is complete', async () => {
    const { slack, egresses } = await workers(1, 1, { SLACK_EDIT_INTERVAL_MS: '100' });
    const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: 'CTIGHT' };
    const text = Array.from({ length: 200 }, (_, w) => `w${w}`).join(' ');
    const started = Date.now();
    await answer(egresses[0]!, address, 'd-tight', text, 40, 100);
    const elapsedMs = Date.now() - started;
    const edits = slack.callsTo('chat.update');
    expect(slack.count429).toBe(0);
    expect(answerText(slack, address)).toEqual([text]);
    // Previews still showed (the answer looked alive)…
    expect(edits.length).toBeGreaterThan(2);
    // …but no more than chat.update's budget (tier 3, 50 a minute: a burst of 5, then one per 60/45 s) allows over
    // the answer's time, though the writer offered an edit every 100 ms.
    expect(edits.length).toBeLessThanOrEqual(5 + Math.ceil(elapsedMs / (60_000 / 45)));
    expect(edits.at(-1)!.args.text).toBe(text);
  });

  it('appends held back for the budget go with a later call, so the streamed answer is whole', async () => {
    const { slack, egresses } = await workers(1, 1);
    const address: ReplyAddress = { workspaceId: 'T0FAKE', channelId: 'DHELD', threadId: '1700000000.000900' };
    const stream = egresses[0]!.nativeStream!;
    const { messageId } = (await stream.start(address, 'U1', { deliveryId: 'earlier', part: 0 }))!;
    const pieces = Array.from({ length: 30 }, (_, i) => `piece ${i}. `);
    const results = [];
    for (const piece of pieces) results.push(await stream.append(address, messageId, piece));
    await stream.stop(address, messageId, 'The end.');
    expect(slack.count429).toBe(0);
    // chat.appendStream is tier 4 (a burst of 10, then one per 60/90 s): back-to-back appends are partly held…
    expect(results).toContain(false);
    expect(slack.callsTo('chat.appendStream').length).toBeLessThan(pieces.length);
    // …and nothing is lost.
    expect(slack.messages('DHELD', address.threadId).find((m) => m.ts === messageId)!.text).toBe(`${pieces.join('')}The end.`);
  });
});
