import { SlackEgress } from '../../adapters/slack/slack-egress.js';
import { readConfig } from '../../src/config/read-config.js';
import { startFakeSlack } from '../fakes/fake-slack.js';
import { livePings } from '../support/live-pings.js';
import { silentLogger } from '../support/silent-logger.js';
import { createTestDatabase } from '../support/test-database.js';
import type { EgressHarness } from './egress-conformance.js';

/** The real SlackEgress (Bolt's WebClient) against the fake Slack; a viewer reads the thread's messages. */
export async function slackHarness(): Promise<EgressHarness> {
  const database = await createTestDatabase();
  const slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
  const config = readConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, SLACK_EDIT_INTERVAL_MS: '100' });
  const egress = new SlackEgress(config.platforms.slack!, silentLogger());
  let threads = 0;
  // Xiaoliu's messages in the thread, without the thread's root (the question).
  const own = (channel: string, thread?: string) => slack.messages(channel, thread).filter((m) => m.user === 'UBOT' && m.ts !== thread);
  return {
    egress,
    sql: database.sql,
    recipientId: 'U1',
    capabilities: { nativeStream: true, pings: true, clearableStatus: true, doneSignal: false },
    // A DM's assistant thread: where Slack streams natively and shows a status.
    newAddress: async () => ({ workspaceId: 'T0FAKE', channelId: `D-conf-${++threads}`, threadId: '1700000000.000100' }),
    seen: async (address) => own(address.channelId, address.threadId).map((m) => String(m.text ?? '')),
    files: async (address) =>
      slack.uploads.filter((u) => u.channel_id === address.channelId).map((u) => ({ filename: u.filename, size: u.bytes.length })),
    pings: async (address) => own(address.channelId, address.threadId).flatMap((m) => livePings(String(m.text ?? ''), 'slack')),
    streamedNatively: async (address) => slack.callsTo('chat.startStream').some((c) => c.args.channel === address.channelId),
    status: async (address) => slack.statusOf(address.channelId, address.threadId!),
    doneSignalled: async () => false,
    async close() {
      await slack.close();
      await database.drop();
    },
  };
}
