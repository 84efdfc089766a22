import { App, LogLevel, SocketModeReceiver, type Logger, type SlackEventMiddlewareArgs } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, slashCommand } from './fakes/slack-events.js';

const BOT_TOKEN = 'xoxb-test-token';
const APP_TOKEN = 'xapp-test-app-token';
const C = 'C0GENERAL';

/** Bolt logs through this; errors fail loudly in the test output, the rest stays quiet. */
const quietLogger = (): Logger => ({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (...msgs: unknown[]) => console.error('[bolt]', ...msgs),
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
});

let fake: FakeSlack;
let app: App | undefined;
let receiver: SocketModeReceiver;

/**
 * The real Bolt App on a real SocketModeReceiver. `installerOptions.clientOptions` is what reaches the
 * SocketModeClient's own WebClient (the one calling apps.connections.open); App's `clientOptions` only reaches
 * app.client. `clientPingTimeout` is also the client's reconnect delay (default 5 s), hence the short one.
 */
function startApp(): App {
  const logger = quietLogger();
  receiver = new SocketModeReceiver({
    appToken: APP_TOKEN,
    installerOptions: { clientOptions: { slackApiUrl: fake.apiUrl } },
    clientPingTimeout: 1000,
    logger,
  });
  app = new App({ token: BOT_TOKEN, receiver, logger, clientOptions: { slackApiUrl: fake.apiUrl } });
  return app;
}

/** Bolt's stop() does not wait for the socket to close; the client's 'disconnected' state says it has. */
async function stopApp(): Promise<void> {
  if (!app) return;
  const disconnected = new Promise((resolve) => receiver.client.once('disconnected', resolve));
  await app.stop();
  await disconnected;
  app = undefined;
}

beforeEach(async () => {
  fake = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
});
afterEach(async () => {
  await stopApp();
  await fake.close();
});

describe('fake Slack Socket Mode driven by the real Bolt SocketModeReceiver', () => {
  it('connects with the app-level token and delivers an app_mention that Bolt acks', async () => {
    const mentions: SlackEventMiddlewareArgs<'app_mention'>[] = [];
    const bolt = startApp();
    bolt.event('app_mention', async (args) => void mentions.push(args));
    await bolt.start();

    const opens = fake.callsTo('apps.connections.open');
    expect(opens).toEqual([expect.objectContaining({ ok: true })]);
    expect(fake.socketConnections).toBe(1);

    const body = appMentionEvent({ channel: C, user: 'UALICE', text: '<@UBOT> hello there' });
    const { envelopeId, ackedWith } = await fake.sendSocketEvent(body);
    // Bolt acks events before running listeners, with no body: the client still sends `payload: {}`.
    expect(ackedWith).toEqual({});
    expect(fake.socketAcks).toEqual([expect.objectContaining({ envelopeId, payload: {} })]);
    expect(fake.socketDeliveries).toEqual([
      { envelope_id: envelopeId, type: 'events_api', payload: body, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' },
    ]);
    await fake.waitFor(() => mentions.length === 1);
    expect(mentions[0]!.event).toMatchObject({ type: 'app_mention', text: '<@UBOT> hello there', channel: C });
    expect(mentions[0]!.body.event_id).toBe(body.event_id);
  });

  it('delivers a slash command whose ack() body goes back in the ack', async () => {
    const commands: string[] = [];
    const bolt = startApp();
    bolt.command('/xiaoliu', async ({ command, ack }) => {
      commands.push(command.text);
      await ack({ response_type: 'ephemeral', text: `echo: ${command.text}` });
    });
    await bolt.start();

    const fields = slashCommand({ user_id: 'UALICE', channel_id: C, text: 'ping', response_url: fake.responseUrl('cmd') });
    const { ackedWith } = await fake.sendSocketEvent(fields, 'slash_commands');
    expect(commands).toEqual(['ping']);
    expect(ackedWith).toEqual({ response_type: 'ephemeral', text: 'echo: ping' });
    expect(fake.socketDeliveries[0]).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
    expect(fake.socketDeliveries[0]).not.toHaveProperty('retry_attempt');
  });

  it('reconnects through apps.connections.open after a refresh_requested disconnect, then delivers exactly once', async () => {
    const seen: string[] = [];
    const bolt = startApp();
    bolt.event('app_mention', async ({ event }) => void seen.push(event.text));
    await bolt.start();

    await fake.disconnectSockets();
    expect(fake.socketConnections).toBe(0);
    // The client waits clientPingTimeout × consecutive failures (1 × 1 s here) before asking for a new URL.
    await fake.waitFor(() => fake.callsTo('apps.connections.open').length === 2 && fake.socketConnections === 1);

    await fake.sendSocketEvent(appMentionEvent({ channel: C, user: 'UALICE', text: '<@UBOT> still there?' }));
    await fake.waitFor(() => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100)); // room for a duplicate to show up, if there were one
    expect(seen).toEqual(['<@UBOT> still there?']);
    expect(fake.socketDeliveries).toHaveLength(1);
  });

  it('stops cleanly: the socket closes and the client does not reconnect', async () => {
    const bolt = startApp();
    await bolt.start();
    await stopApp();
    await fake.waitFor(() => fake.socketConnections === 0);
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
  });
});

/** apps.connections.open by hand, to see the fake's answer as it is on the wire. */
const connectionsOpen = (token: string) =>
  fetch(`${fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
    (r) => r.json() as Promise<{ ok: boolean; error?: string; url?: string }>,
  );

describe('fake Slack Socket Mode protocol details', () => {
  it('refuses apps.connections.open with the bot token or a wrong app token, and reused tickets', async () => {
    expect(await connectionsOpen(BOT_TOKEN)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await connectionsOpen('xapp-1-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    const { url } = await connectionsOpen(APP_TOKEN);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket-mode\?ticket=/);

    const first = new WebSocket(url!);
    await new Promise((resolve) => first.once('open', resolve));
    const second = new WebSocket(url!);
    const refused = await new Promise<Error>((resolve) => second.once('error', resolve));
    expect(refused.message).toMatch(/401/);
    first.close();
    await fake.waitFor(() => fake.socketConnections === 0);
  });

  it('redelivers an unacked event once with retry_reason timeout, then gives up', async () => {
    await fake.close();
    fake = await startFakeSlack({ appToken: APP_TOKEN, socketAckTimeoutMs: 150 });
    const ws = new WebSocket((await connectionsOpen(APP_TOKEN)).url!);
    const frames: any[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await fake.waitFor(() => frames.length === 1);
    expect(frames[0]).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0FAKE' } });

    const body = appMentionEvent({ channel: C, user: 'UALICE', text: '<@UBOT> hi' });
    await expect(fake.sendSocketEvent(body)).rejects.toThrow(/not acked within 150 ms \(2 attempt/);
    const envelopes = frames.slice(1);
    expect(envelopes.map((e) => [e.retry_attempt, e.retry_reason])).toEqual([[0, ''], [1, 'timeout']]);
    expect(envelopes[0].envelope_id).toBe(envelopes[1].envelope_id);

    // With retries off, one delivery; acking it resolves with what was sent.
    const acking = fake.sendSocketEvent(body, 'events_api', { retryOnTimeout: false });
    await fake.waitFor(() => frames.length === 4);
    ws.send(JSON.stringify({ envelope_id: frames[3].envelope_id, payload: { ok: 1 } }));
    expect(await acking).toEqual({ envelopeId: frames[3].envelope_id, ackedWith: { ok: 1 } });
    ws.close();
    await fake.waitFor(() => fake.socketConnections === 0);
  });
});
