import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { IngressDeps, RunningIngress } from '../../src/domain/adapter.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import type { Arrival, IfRedisDown } from '../../src/ingress/ingress.js';
import { greetAssistantThread } from './assistant-greeting.js';
import { listenForAnswerActions, listenForShortcuts } from './slack-interactions.js';
import { publishAppHome } from './app-home.js';
import { createDefaultRouter } from '../../src/commands/default-router.js';
import { boltLogger } from './bolt-logger.js';
import { fromSlackText, mentionsBot } from './from-slack-text.js';
import { slackAttachments, type SlackFile } from './slack-attachments.js';
import { createSlackClient, slackClientOptions } from './slack-client.js';
import { requireSigningSecret, type SlackConfig } from './slack-config.js';
import { slackDeliveryId } from './slack-delivery-id.js';
import { firstInvocation } from './slash-replays.js';
import { notePost, type SlackPostEvent } from './slack-posts.js';
import { mountSlackEvents } from './slack-events-route.js';
import { UserNames } from './user-names.js';

/** What a Slack message event carries that matters here (the SDK's union type is too wide to narrow cheaply). */
interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFile[];
}

/** A slash command as Bolt gives it, the fields used here. */
interface SlashCommand {
  text: string;
  channel_id: string;
  user_id: string;
  user_name: string;
  team_id: string;
  command: string;
  /** One per invocation: what tells a replayed request from a new one. */
  trigger_id?: string;
}

type Respond = (message: { response_type: 'ephemeral'; text: string }) => Promise<unknown>;

/** The running Slack ingress, as every handler needs it. */
interface SlackContext {
  config: SlackConfig;
  deps: IngressDeps;
  client: WebClient;
  botUserId: string;
  /** The bot's bot id (B…), which its own posts carry. */
  botId: string;
  /** The bot's name, for the "invite me" hint. */
  botName: string;
  names: UserNames;
  /**
   * Slack delivers again only what it has not been told arrived. An HTTP event is answered once queued
   * (processBeforeResponse), so a failure to queue is a 500 and Slack tries again, three more times over about five
   * minutes. In Socket Mode Bolt acknowledges every event before its listener runs: those are held instead.
   */
  ifRedisDown: IfRedisDown;
}

// Message subtypes that are still a person talking; everything else (edits, joins, bot posts) is ignored.
const HUMAN_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * Receives Slack events and slash commands through Bolt, over HTTP (POST /slack/events) or Socket Mode, reads each
 * message into the facts the core decides on, and hands it over (src/ingress/ingress.ts). It acknowledges as soon as
 * the message is queued (never waiting for the model), and answers 5xx when it cannot queue, so Slack delivers again
 * rather than the question being lost.
 */
export async function startSlackIngress(config: SlackConfig, deps: IngressDeps): Promise<RunningIngress> {
  requireSigningSecret(config);
  const logger = boltLogger(deps.log.child({ adapter: 'slack' }));
  const client = createSlackClient(config, logger);
  const auth = await client.auth.test().catch((error: unknown) => {
    throw new Error(`Slack refused SLACK_BOT_TOKEN (auth.test: ${(error as Error).message}): check the token and SLACK_API_URL`);
  });
  const slack: SlackContext = {
    config,
    deps,
    client,
    botUserId: String(auth.user_id),
    botId: String(auth.bot_id),
    botName: auth.user ?? 'xiaoliu',
    names: new UserNames(client, deps.log),
    ifRedisDown: config.appToken ? 'hold' : 'fail',
  };
  const { app, receiver, socket } = createApp(config, logger, { botUserId: slack.botUserId, botId: String(auth.bot_id) });
  listen(app, slack, Boolean(socket));
  if (receiver) mountSlackEvents(deps.http, receiver);
  else await app.start();
  deps.log.info({ botUserId: slack.botUserId, mode: receiver ? 'http' : 'socket' }, 'Slack adapter is on');
  return {
    async stop() {
      if (!socket) return;
      // Bolt's stop() does not wait for the socket to close; the client says when it has.
      const closed = new Promise((resolve) => socket.client.once('disconnected', resolve));
      await app.stop();
      await closed;
    },
  };
}

/** Bolt's app, over HTTP (a receiver the gateway's server hands requests to) or Socket Mode (SLACK_APP_TOKEN). */
function createApp(
  config: SlackConfig,
  logger: BoltLogger,
  ids: { botUserId: string; botId: string },
): { app: App; receiver?: HTTPReceiver; socket?: SocketModeReceiver } {
  // Socket Mode's client has a Web API client of its own (for apps.connections.open): it must be pointed at
  // SLACK_API_URL separately, with an options object of its own (it writes its retry settings into it).
  const socket = config.appToken
    ? new SocketModeReceiver({ appToken: config.appToken, installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } }, logger })
    : undefined;
  const receiver = socket
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.signingSecret!,
        endpoints: '/slack/events',
        // Respond only after the listener has queued the message: an error then becomes a 500 and Slack retries.
        processBeforeResponse: true,
        logger,
      });
  const app = new App({
    token: config.botToken,
    // Both ids, or Bolt calls auth.test again for every event it authorizes.
    ...ids,
    receiver: receiver ?? socket!,
    logger,
    logLevel: LogLevel.INFO,
    clientOptions: slackClientOptions(config, logger),
    // auth.test (startSlackIngress) already checked the token.
    tokenVerificationEnabled: false,
    // Bolt's conversation store keeps state per channel in memory for listeners that ask for it; none does, and its
    // miss path (an Error built per event) cost a tenth of the gateway's CPU (profiled with npm run bench).
    convoStore: false,
  });
  return { app, ...(receiver ? { receiver } : {}), ...(socket ? { socket } : {}) };
}

function listen(app: App, slack: SlackContext, socketMode: boolean): void {
  const { log } = slack.deps;
  app.event('app_mention', ({ event, body }) => onMention(slack, event as unknown as SlackMessageEvent, teamOf(body)));
  app.event('message', ({ event, body }) => {
    // Every channel message goes to the knowledge index first (it returns at once; only channels with knowledge on
    // keep anything), then on to be answered if it is for Xiaoliu.
    notePost(slack.deps.ingress.posts, slack.names, slack, teamOf(body), event as unknown as SlackPostEvent, log);
    return onMessage(slack, event as unknown as SlackMessageEvent, teamOf(body));
  });
  app.event('assistant_thread_started', async ({ event }) => {
    const thread = (event as unknown as { assistant_thread: { channel_id: string; thread_ts: string } }).assistant_thread;
    await greetAssistantThread(slack.client, thread.channel_id, thread.thread_ts, log);
  });
  app.command(slack.config.slashCommand, async ({ command, ack, respond }) => {
    await ack();
    // Slack hears the ack only when this listener returns (processBeforeResponse): post and queue after that, so a
    // slow chat.postMessage cannot make Slack show the user a timeout. Failures are answered to the user. A replay
    // of the same signed request is acknowledged and dropped (slash-replays.ts).
    void firstInvocation(slack.deps.redis, slack.deps.prefix, command, log)
      .then((first) => (first ? onCommand(slack, command, respond) : log.warn({ team: command.team_id }, 'dropped a replayed slash command')))
      .catch((error) => log.error({ err: error }, 'slash command failed'));
  });
  app.event('app_home_opened', async ({ event, body }) => {
    if ((event as { tab?: string }).tab !== 'home') return;
    const home = { client: slack.client, sql: slack.deps.sql, answers: slack.deps.answers, commands: createDefaultRouter().commands };
    // After the event is acknowledged: Slack wants its answer within 3 s, and the Home tab can wait a moment.
    void publishAppHome(home, teamOf(body), (event as { user: string }).user).catch((error: unknown) => log.warn({ err: error }, 'could not publish the App Home tab'));
  });
  listenForAnswerActions(app, slack.client, slack.deps.answers, log);
  listenForShortcuts(app, {
    client: slack.client,
    log,
    // Through the core's command path: allow-lists, thread membership, held while Redis is away (acknowledged already).
    queue: (place, message) =>
      slack.deps.ingress.command(
        { platform: 'slack', workspaceId: place.workspaceId, channelId: place.channelId, isDm: place.channelId.startsWith('D') },
        { receivedAt: performance.now(), ifRedisDown: 'hold' },
        {
          refuse: (text) => slack.client.chat.postEphemeral({ channel: place.channelId, user: place.userId, text }),
          open: async () => message(),
          apologize: (text) => slack.client.chat.postEphemeral({ channel: place.channelId, user: place.userId, text }),
        },
      ),
  });
  app.error(async (error) => {
    // Over HTTP Slack delivers the event again; in Socket Mode it was acknowledged already, and is lost.
    log.error({ err: error }, socketMode ? 'Slack listener failed; the event is lost' : 'Slack listener failed; Slack will deliver the event again');
    throw error; // rethrown so the receiver answers 500 and Slack retries
  });
}

/** A message that mentions the bot, in a channel (Slack sends it twice: as app_mention, taken here, and as message). */
async function onMention(slack: SlackContext, e: SlackMessageEvent, teamId: string): Promise<void> {
  const receivedAt = performance.now();
  if (!wellFormed(slack, e)) return;
  const threadId = e.thread_ts ?? e.ts;
  const arrival = { ...arrivalOf(slack, e, teamId), threadId, mentionsBot: true };
  const receipt = { receivedAt, ifRedisDown: slack.ifRedisDown };
  await slack.deps.ingress.take(arrival, receipt, (kind) => toInbound(slack, e, teamId, kind, threadId), refuseTo(slack, e));
}

async function onMessage(slack: SlackContext, e: SlackMessageEvent, teamId: string): Promise<void> {
  const receivedAt = performance.now();
  if (!e.user || !HUMAN_SUBTYPES.has(e.subtype) || !wellFormed(slack, e)) return;
  const arrival = arrivalOf(slack, e, teamId);
  // In channels, app_mention brings the messages that mention the bot.
  if (!arrival.isDm && mentionsBot(e.text, slack.botUserId)) return;
  const receipt = { receivedAt, ifRedisDown: slack.ifRedisDown };
  await slack.deps.ingress.take(arrival, receipt, (kind) => toInbound(slack, e, teamId, kind, e.thread_ts), refuseTo(slack, e));
}

/** Tells a message's author, and only them (an ephemeral message where they wrote), that Xiaoliu does not answer here. */
function refuseTo(slack: SlackContext, e: SlackMessageEvent): (text: string) => Promise<unknown> {
  return (text) =>
    slack.client.chat.postEphemeral({ channel: e.channel, user: e.user ?? '', text, ...(e.thread_ts ? { thread_ts: e.thread_ts } : {}) });
}

function arrivalOf(slack: SlackContext, e: SlackMessageEvent, teamId: string): Arrival {
  return {
    platform: 'slack',
    workspaceId: teamId,
    channelId: e.channel,
    ...(e.thread_ts ? { threadId: e.thread_ts } : {}),
    inThread: Boolean(e.thread_ts),
    isDm: e.channel_type === 'im',
    mentionsBot: false,
    fromBot: Boolean(e.bot_id) || e.user === slack.botUserId,
    replyMode: slack.config.replyMode,
  };
}

async function toInbound(
  slack: SlackContext,
  event: SlackMessageEvent,
  teamId: string,
  kind: InboundMessage['kind'],
  threadId: string | undefined,
): Promise<InboundMessage> {
  return {
    v: 1,
    // One id per Slack message, not per event: a mention arrives as app_mention and as message, and retries repeat.
    id: slackDeliveryId(teamId, event.channel, event.ts),
    platform: 'slack',
    kind,
    address: { workspaceId: teamId, channelId: event.channel, ...(threadId ? { threadId } : {}) },
    author: { id: event.user ?? 'unknown', name: await slack.names.nameOf(event.user), isBot: false },
    text: fromSlackText(event.text ?? '', slack.botUserId),
    attachments: slackAttachments(event.files),
    sentAt: new Date(Number(event.ts) * 1000).toISOString(),
    messageId: event.ts,
    ...(event.thread_ts && event.thread_ts !== event.ts ? { inExistingThread: true } : {}),
  };
}

/**
 * A slash command: acknowledged already, so held if Redis is away; the answer goes in a thread under the question.
 * Refused (only its asker sees why) before the question is posted when the team or channel is not on the lists.
 */
async function onCommand(slack: SlackContext, command: SlashCommand, respond: Respond): Promise<void> {
  const receivedAt = performance.now();
  const tellAsker = (text: string) => respond({ response_type: 'ephemeral', text });
  // A DM's channel id starts with D (as slack-egress.ts reads it too); Slack's DMs are in its team, so only logs use it.
  const place = { platform: 'slack', workspaceId: command.team_id, channelId: command.channel_id, isDm: command.channel_id.startsWith('D') };
  await slack.deps.ingress.command(place, { receivedAt, ifRedisDown: 'hold' }, {
    refuse: tellAsker,
    open: () => postQuestion(slack, command, respond),
    apologize: tellAsker,
  });
}

/** Posts "<@user> asked: …" so the channel sees the question and can follow up in its thread; the command to queue. */
async function postQuestion(slack: SlackContext, command: SlashCommand, respond: Respond): Promise<InboundMessage | undefined> {
  const text = command.text.trim() || 'help';
  let rootTs: string;
  try {
    const root = await slack.client.chat.postMessage({
      channel: command.channel_id,
      text: `<@${command.user_id}> asked: ${text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}`,
      unfurl_links: false,
    });
    rootTs = String(root.ts);
  } catch (error) {
    slack.deps.log.warn({ err: error, channel: command.channel_id }, 'could not post the slash command question');
    await respond({ response_type: 'ephemeral', text: `I can't post in this channel. Invite me first with \`/invite @${slack.botName}\`, or DM me.` });
    return undefined;
  }
  return {
    v: 1,
    id: slackDeliveryId(command.team_id, command.channel_id, rootTs),
    platform: 'slack',
    kind: 'slash',
    address: { workspaceId: command.team_id, channelId: command.channel_id, threadId: rootTs },
    author: { id: command.user_id, name: command.user_name, isBot: false },
    text,
    command: { name: command.command.replace(/^\//, ''), args: text },
    attachments: [],
    // Slack's clock, like every other message of the thread, so the thread's order is one clock's order.
    sentAt: new Date(Number(rootTs) * 1000).toISOString(),
  };
}

/** Slack sends these fields with every message; an event without them (a Slack bug) is dropped, not retried. */
function wellFormed(slack: SlackContext, e: SlackMessageEvent): boolean {
  const ok =
    typeof e.channel === 'string' &&
    typeof e.ts === 'string' &&
    /^\d{1,12}(\.\d{1,6})?$/.test(e.ts) &&
    ['string', 'undefined'].includes(typeof e.text) &&
    ['string', 'undefined'].includes(typeof e.user) &&
    ['string', 'undefined'].includes(typeof e.thread_ts) &&
    (e.files === undefined || Array.isArray(e.files));
  if (!ok) slack.deps.log.warn({ type: e.type, channel: typeof e.channel === 'string' ? e.channel : undefined }, 'dropping a malformed Slack event');
  return ok;
}

function teamOf(body: unknown): string {
  const b = body as { team_id?: unknown; authorizations?: { team_id?: unknown }[] };
  // Only a string: the team id becomes part of ids and database keys.
  const team = typeof b.team_id === 'string' ? b.team_id : Array.isArray(b.authorizations) ? b.authorizations[0]?.team_id : undefined;
  return typeof team === 'string' && team !== '' ? team : 'unknown';
}
