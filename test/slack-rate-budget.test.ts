import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import type { ReplyAddress } from '../src/domain/inbound-message.js';
import { RateBudget, RateBudgetExhausted } from '../src/rate/rate-budget.js';
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
    // Slack's minute becomes 6 s here, in the fake and in the budget alike. Not shorter: the budget leaves one call of
    // each window for requests reaching Slack later than others, and at 1/20 time that one call (a chat.update slot,
    // 67 ms) was within how late a request can be on a loaded test machine.
    const { slack, egresses } = await workers(2, 0.1, { SLACK_EDIT_INTERVAL_MS: '100' });
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
    // 60 pieces 100 ms apart: the writer offers more previews within a minute than chat.update's tier 3 allows
    // (50 a minute, counted by the fake), so sending each one would draw a 429.
    const pieces = 60;
    await answer(egresses[0]!, address, 'd-tight', text, pieces, 100);
    const edits = slack.callsTo('chat.update');
    expect(slack.count429).toBe(0);
    expect(answerText(slack, address)).toEqual([text]);
    // Previews still showed (the answer looked alive)…
    expect(edits.length).toBeGreaterThan(2);
    // …but many were left out (none waited for a slot)…
    expect(edits.length).toBeLessThan(pieces);
    // …and the final edit, which must happen, carries the whole answer.
    expect(edits.at(-1)!.args.text).toBe(text);
  });

  it('a busy channel does not hold up a post in another channel of the workspace, and no limit is passed', async () => {
    // Half time: a channel takes a post every 500 ms.
    const { slack, egresses } = await workers(1, 0.5);
    const post = (channelId: string, text: string) => egresses[0]!.post({ workspaceId: 'T0FAKE', channelId }, text);
    // Eight posts queue in one channel (the last 3.5 s away), then one comes for an idle channel.
    const busy = Array.from({ length: 8 }, (_, i) => post('CBUSY', `busy ${i}`));
    await post('CIDLE', 'idle');
    await Promise.all(busy);
    expect(slack.count429).toBe(0);
    // The idle channel's post went before the busy channel's second, which had to wait for the channel's next slot.
    const order = slack.callsTo('chat.postMessage').map((c) => c.args.text);
    expect(order.slice(0, 2).sort()).toEqual(['busy 0', 'idle']);
    expect(order).toHaveLength(9);
  });

  it('posts in many channels past the workspace budget, one channel busy, draw no 429 from either limit', async () => {
    // 1/10 time: Slack's workspace minute is 6 s (300 posts, assumed: slack-rate-limits.ts), a channel's second 100 ms.
    const { slack, egresses } = await workers(2, 0.1);
    const posts = Array.from({ length: 330 }, (_, i) => {
      const channelId = i % 11 === 0 ? 'CBUSY' : `C${i}`;
      return egresses[i % 2]!.post({ workspaceId: 'T0FAKE', channelId }, `post ${i}`);
    });
    const results = await Promise.allSettled(posts);
    expect(slack.count429).toBe(0);
    // Those that could not get a slot within the longest wait failed as such (the job retries later)…
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RateBudgetExhausted);
    // …and every other one reached Slack, the busy channel's included.
    const posted = slack.callsTo('chat.postMessage').filter((c) => c.status === 200);
    expect(posted).toHaveLength(results.filter((r) => r.status === 'fulfilled').length);
    expect(posted.filter((c) => c.args.channel === 'CBUSY').length).toBeGreaterThan(5);
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
