import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import type { ReplyAddress } from '../src/domain/inbound-message.js';
import { ReplyWriter } from '../src/render/reply-writer.js';
import { claimDelivery } from '../src/store/claim-delivery.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from './fakes/fake-slack.js';
import { silentLogger } from './support/silent-logger.js';

/** The real egress (and its WebClient) against a fake Slack of its own. */
async function startSlackEgress(fake: FakeSlackOptions = {}): Promise<{ slack: FakeSlack; egress: SlackEgress }> {
  const slack = await startFakeSlack({ botToken: 'xoxb-test-token', ...fake });
  const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl });
  return { slack, egress: new SlackEgress(config.platforms.slack!, silentLogger()) };
}

describe('SlackEgress native streaming (real WebClient against the fake Slack)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  beforeAll(async () => {
    ({ slack, egress } = await startSlackEgress());
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('never lets a ping through, even when it straddles two appends', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D1', threadId: '1700000000.000100' }; // an assistant thread
    const stream = egress.nativeStream!;
    const { messageId } = (await stream.start(address, 'U1', { deliveryId: 'earlier', part: 0 }))!;
    for (const piece of ['Ping <', '!channel> and @chan', 'nel and <', '@U123> and @he', 're']) {
      await stream.append(address, messageId, piece);
    }
    await stream.stop(address, messageId, ' done');
    const [message] = slack.messages('D1', address.threadId).filter((m) => m.ts === messageId);
    const text = String(message!.text);
    expect(text.replaceAll('\u200B', '')).toBe('Ping <!channel> and @channel and <@U123> and @here done');
    expect(text).not.toMatch(/<!channel>|<@U123>|@channel|@here/);
  });
});

describe('SlackEgress thread status (real WebClient against the fake Slack)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  beforeAll(async () => {
    ({ slack, egress } = await startSlackEgress());
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('shows "is thinking…" in a channel thread, and clears it when done if no post has', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'C-status', threadId: '1700000000.000500' };
    await egress.setStatus(address, 'is thinking…');
    expect(slack.statusOf('C-status', address.threadId)).toBe('is thinking…');
    await egress.post(address, 'An answer');
    await egress.setStatus(address, 'is thinking…'); // set again after the post, while the answer is edited
    await egress.done(address);
    expect(slack.statusOf('C-status', address.threadId)).toBeUndefined();

    const calls = slack.callsTo('assistant.threads.setStatus').length;
    await egress.setStatus(address, 'is thinking…');
    await egress.post(address, 'Another answer'); // Slack clears the status itself
    await egress.done(address);
    expect(slack.callsTo('assistant.threads.setStatus')).toHaveLength(calls + 1);
  });
});

describe('a retried delivery on Slack, whose first attempt died between posting and recording (real WebClient, fake Slack, Postgres)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  let database: TestDatabase;
  beforeAll(async () => {
    ({ slack, egress } = await startSlackEgress());
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await slack?.close();
    await database?.drop();
  });

  /** The ReplyWriter of an attempt at delivery `id` (claimed first, as the worker does). */
  const writer = async (address: ReplyAddress, id: string, firstTime: boolean) => {
    await claimDelivery(database.sql, 'slack', address, id, 'U1');
    return new ReplyWriter(egress, address, id, database.sql, silentLogger(), firstTime, 'U1');
  };
  const own = (channel: string, thread?: string) => slack.messages(channel, thread).filter((m) => m.user === 'UBOT' && m.ts !== thread);

  it('reuses the stream the dead attempt opened instead of opening a second one', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D-retry-1', threadId: '1700000000.000200' };
    // The dead attempt: the stream opened, the worker killed before the record was written.
    await egress.nativeStream!.start(address, 'U1', { deliveryId: 'earlier', part: 0 });
    const retry = await writer(address, 'd-retry-1', false);
    await retry.start();
    await retry.finish('The whole answer.');
    expect(own('D-retry-1', address.threadId).map((m) => m.text)).toEqual(['The whole answer.']);
  });

  it('does not take an empty stream left by an earlier question for this one', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D-retry-5', threadId: '1700000000.000300' };
    const orphan = (await egress.nativeStream!.start(address, 'U1', { deliveryId: 'earlier', part: 0 }))!; // an earlier question's stream, never written to
    const [seconds, micros] = orphan.messageId.split('.');
    const later = `${seconds}.${String(Number(micros) + 1).padStart(6, '0')}`;
    slack.seedMessage({ channel: 'D-retry-5', thread_ts: address.threadId, ts: later, user: 'U1', text: 'and now?' });
    const retry = await writer(address, 'd-retry-5', false);
    await retry.start();
    await retry.finish('A new answer.');
    expect(own('D-retry-5', address.threadId).map((m) => m.text)).toEqual(['', 'A new answer.']);
  });

  it('finds a part the dead attempt posted by its metadata and brings it up to date', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D-retry-2' }; // a top-level DM answer: posts and edits
    await egress.post(address, '_Thinking…_', { deliveryId: 'd-retry-2', part: 0 });
    const retry = await writer(address, 'd-retry-2', false);
    await retry.start();
    await retry.finish('Answered once.');
    expect(own('D-retry-2').map((m) => m.text)).toEqual(['Answered once.']);
  });

  it('looks nothing up for a first attempt, and posts when the dead attempt had posted nothing', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D-retry-3' };
    const lookups = () => slack.callsTo('conversations.history').length + slack.callsTo('conversations.replies').length;
    const before = lookups();
    const first = await writer(address, 'd-retry-3', true);
    await first.start();
    expect(lookups()).toBe(before);
    const nothingPosted = await writer(address, 'd-retry-4', false);
    await nothingPosted.start();
    await nothingPosted.finish('Fresh.');
    expect(lookups()).toBe(before + 1);
    expect(own('D-retry-3').map((m) => m.text)).toEqual(['_Thinking…_', 'Fresh.']);
  });
});

describe('a retried delivery on Slack whose dead attempt left a stream that Slack has since closed (streaming_state)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  let database: TestDatabase;
  const lifetimeMs = 100;
  beforeAll(async () => {
    ({ slack, egress } = await startSlackEgress({ streamLifetimeMs: lifetimeMs }));
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await slack?.close();
    await database?.drop();
  });

  it('edits that message with the answer instead of streaming into a closed stream', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'D-closed-1', threadId: '1700000000.000400' };
    await egress.nativeStream!.start(address, 'U1', { deliveryId: 'earlier', part: 0 }); // the dead attempt's stream, never recorded
    await new Promise((resolve) => setTimeout(resolve, lifetimeMs * 2)); // Slack closes it, unstopped
    await claimDelivery(database.sql, 'slack', address, 'd-closed-1', 'U1');
    const retry = new ReplyWriter(egress, address, 'd-closed-1', database.sql, silentLogger(), false, 'U1');
    await retry.start();
    await retry.finish('The whole answer.');
    const own = slack.messages('D-closed-1', address.threadId).filter((m) => m.user === 'UBOT' && m.ts !== address.threadId);
    expect(own.map((m) => slack.seenBy('D-closed-1', m.ts, 'U1'))).toEqual(['The whole answer.']);
    expect(slack.calls.filter((c) => !c.ok).map((c) => `${c.method}: ${c.error}`)).toEqual([]);
  });
});
