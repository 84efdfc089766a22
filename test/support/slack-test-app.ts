import type { RunningApp } from '../../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startTestApp, testConfig } from './test-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The signing secret the Slack test apps check events against (sendSlackEvent signs with it). */
export const SLACK_TEST_SECRET = 'test-signing-secret';

/** The real pipeline with the Slack adapter on (HTTP events through Bolt), against the fake Slack and the fake model. */
export interface SlackTestApp {
  database: TestDatabase;
  model: FakeAnthropic;
  slack: FakeSlack;
  app: RunningApp;
  /** The gateway's events URL, for sendSlackEvent. */
  events: string;
  close(): Promise<void>;
}

/** Starts it; `seed` runs on the fake Slack before the app starts (users to look up, say). */
export async function startSlackTestApp(env: Record<string, string> = {}, seed?: (slack: FakeSlack) => void): Promise<SlackTestApp> {
  const database = await createTestDatabase();
  const model = await startFakeAnthropic();
  const slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
  seed?.(slack);
  const config = testConfig(database, model.url, {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SLACK_TEST_SECRET,
    SLACK_API_URL: slack.apiUrl,
    ...env,
  });
  const app = await startTestApp(config, []);
  return {
    database,
    model,
    slack,
    app,
    events: `http://127.0.0.1:${app.port}/slack/events`,
    async close() {
      await app.close();
      await slack.close();
      await model.close();
      await database.drop();
    },
  };
}
