import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, slashCommand } from './fakes/slack-events.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const APP_TOKEN = 'xapp-test-app-token';

describe('the Slack adapter in Socket Mode (real Bolt SocketModeReceiver against a fake Socket Mode server)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token', appToken: APP_TOKEN });
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
    });
    app = await startTestApp(config, []);
    await waitFor('the socket', () => slack.socketConnections > 0);
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  const answeredIn = async (channel: string, threadTs: string) => {
    await waitForAnswer(database.sql, `slack-T0FAKE-${channel}-${threadTs}`);
    return slack.messages(channel, threadTs).filter((m) => m.user === 'UBOT');
  };

  it('connects through SLACK_API_URL, acknowledges events and answers them', async () => {
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> over the socket' });
    const { ackedWith } = await slack.sendSocketEvent(mention);
    expect(ackedWith).toBeDefined();
    const [reply] = await answeredIn('C1', mention.event.ts as string);
    expect(reply!.text).toMatch(/^Echo: \[\w+\] over the socket$/);
  });

  it('takes slash commands over the socket', async () => {
    await slack.sendSocketEvent(slashCommand({ user_id: 'U1', user_name: 'ann', channel_id: 'C2', text: 'hello socket' }), 'slash_commands');
    const root = await waitFor('the question root', () => slack.messages('C2').find((m) => String(m.text).includes('asked')));
    const replies = await answeredIn('C2', root.ts);
    expect(replies.at(-1)!.text).toBe('Echo: [ann] hello socket');
  });
});
