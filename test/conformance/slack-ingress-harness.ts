import { startFakeSlack } from '../fakes/fake-slack.js';
import { appMentionEvent, messageEvent, sendSlackEvent, sendSlashCommand, slashCommand } from '../fakes/slack-events.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

const SECRET = 'conformance-signing-secret';

/** A gateway (no worker, so what it queues stays queued) taking Slack's HTTP events from the fake Slack's payloads. */
export async function slackIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
  const config = testConfig(database, 'http://127.0.0.1:9', {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
  });
  const app = await startTestApp(config, [], { gateway: true, worker: false });
  const events = `http://127.0.0.1:${app.port}/slack/events`;
  const send = async (payload: object) => {
    const response = await sendSlackEvent(events, SECRET, payload);
    if (response.status !== 200) throw new Error(`Slack event answered ${response.status}: ${response.body}`);
  };
  return {
    queuePrefix: config.queuePrefix,
    dm: (text) => send(messageEvent({ channel: 'D1', user: 'U1', text, channel_type: 'im' })),
    async dmWithFile(text, file) {
      const hosted = slack.hostFile({ name: file.name, mimetype: file.mimeType, content: file.data });
      await send(messageEvent({ channel: 'D1', user: 'U1', text, channel_type: 'im', subtype: 'file_share', files: [hosted] }));
    },
    channels: {
      mention: (text) => send(appMentionEvent({ channel: 'C1', user: 'U1', text: `<@UBOT> ${text}` })),
      reply: (address, text) => send(messageEvent({ channel: address.channelId, user: 'U1', text, thread_ts: address.threadId, parent_user_id: 'U1' })),
      chatter: (text) => send(messageEvent({ channel: 'C1', user: 'U1', text })),
      fromBot: (text) => send(messageEvent({ channel: 'D1', user: 'U9', bot_id: 'B9', text: `<@UBOT> ${text}`, channel_type: 'im' })),
      async slash(text) {
        const response = await sendSlashCommand(events, SECRET, slashCommand({ user_id: 'U1', channel_id: 'C1', text }));
        if (response.status !== 200) throw new Error(`Slack command answered ${response.status}: ${response.body}`);
      },
      slashOpensThread: true,
    },
    async queuedSigns(message) {
      const { channelId, threadId } = message.address;
      const statuses = slack.statuses.filter((s) => s.channel_id === channelId && s.thread_ts === threadId && s.status.startsWith('is in line'));
      const reactions = slack
        .callsTo('reactions.add')
        .filter((c) => c.ok && c.args.channel === channelId && c.args.timestamp === message.messageId);
      return [...statuses.map((s) => `status: ${s.status}`), ...reactions.map((c) => `reaction: ${String(c.args.name)}`)];
    },
    // A status says where the message stands; a top-level DM, with no thread to show one in, gets a reaction.
    signSaysWhere: false,
    async close() {
      await app.close();
      await slack.close();
      await database.drop();
    },
  };
}
