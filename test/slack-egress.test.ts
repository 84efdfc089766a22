import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackEgress } from '../adapters/slack/slack-egress.js';
import { readConfig } from '../src/config/read-config.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { silentLogger } from './support/silent-logger.js';

describe('SlackEgress native streaming (real WebClient against the fake Slack)', () => {
  let slack: FakeSlack;
  let egress: SlackEgress;
  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl });
    egress = new SlackEgress(config.slack!, silentLogger());
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('never lets a ping through, even when it straddles two appends', async () => {
    const address = { workspaceId: 'T0FAKE', channelId: 'C1', threadId: '1700000000.000100' };
    const stream = egress.nativeStream!;
    const { messageId } = (await stream.start(address, 'U1'))!;
    for (const piece of ['Ping <', '!channel> and @chan', 'nel and <', '@U123> and @he', 're']) {
      await stream.append(address, messageId, piece);
    }
    await stream.stop(address, messageId, ' done');
    const [message] = slack.messages('C1', address.threadId).filter((m) => m.ts === messageId);
    const text = String(message!.text);
    expect(text.replaceAll('\u200B', '')).toBe('Ping <!channel> and @channel and <@U123> and @here done');
    expect(text).not.toMatch(/<!channel>|<@U123>|@channel|@here/);
  });
});
