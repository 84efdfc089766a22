import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel, SocketModeReceiver, defaultBodyLimit, isRawBodyError } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackConfig } from '../../src/config/read-config.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import type { HttpServer } from '../../src/http/create-http-server.js';
import type { Logger } from '../../src/log/create-logger.js';
import type { Metrics } from '../../src/metrics/create-metrics.js';
import type { InboundProducer } from '../../src/queue/inbound-queue.js';
import { HeldMessages } from '../../src/ingress/held-messages.js';
import { ThreadMembership } from '../../src/ingress/thread-membership.js';
import type { Sql } from '../../src/store/database.js';
import { greetAssistantThread } from './assistant-greeting.js';
import { slackAttachments, type SlackFile } from './slack-attachments.js';
import { slackDeliveryId } from './slack-delivery-id.js';
import { boltLogger } from './bolt-logger.js';
import { fromSlackText, mentionsBot } from './from-slack-text.js';
import { createSlackClient, slackClientOptions } from './slack-client.js';
import { UserNames } from './user-names.js';

export interface SlackIngressDeps {
  config: SlackConfig;
  producer: InboundProducer;
  http: HttpServer;
  sql: Sql;
  log: Logger;
  metrics: Metrics;
}

/** The gateway's side of Slack, running. */
export interface SlackIngress {
  botUserId: string;
  stop(): Promise<void>;
}

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

// Slack signs each request with its time and Bolt refuses ones over 5 minutes old; a time as far in the future can
// only be a request signed ahead of time, so it is refused too.
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

// Message subtypes that are still a person talking; everything else (edits, joins, bot posts) is ignored.
const HUMAN_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * Receives Slack events and slash commands through Bolt, turns each into an InboundMessage and queues it. It
 * acknowledges as soon as the message is queued (never waiting for the model), and answers 5xx when it cannot queue,
 * so Slack delivers again rather than the question being lost.
 */
export async function startSlackIngress(deps: SlackIngressDeps): Promise<SlackIngress> {
  const { config, producer, log } = deps;
  const logger = boltLogger(log.child({ adapter: 'slack' }));
  const client = createSlackClient(config, logger);
  const auth = await client.auth.test().catch((error: unknown) => {
    throw new Error(`Slack refused SLACK_BOT_TOKEN (auth.test: ${(error as Error).message}): check the token and SLACK_API_URL`);
  });
  const botUserId = String(auth.user_id);
  const names = new UserNames(client, log);

  // Socket Mode's client has a Web API client of its own (for apps.connections.open): it must be pointed at
  // SLACK_API_URL separately, with an options object of its own (it writes its retry settings into it).
  const socketReceiver = config.appToken
    ? new SocketModeReceiver({
        appToken: config.appToken,
        installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
        logger,
      })
    : undefined;
  const receiver = config.appToken
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
    botUserId,
    botId: String(auth.bot_id),
    receiver: receiver ?? socketReceiver!,
    logger,
    logLevel: LogLevel.INFO,
    clientOptions: slackClientOptions(config, logger),
    // auth.test above already checked the token.
    tokenVerificationEnabled: false,
    // Bolt's conversation store keeps state per channel in memory for listeners that ask for it; none does, and its
    // miss path (an Error built per event) cost a tenth of the gateway's CPU (profiled with npm run bench).
    convoStore: false,
  });

  const threads = new ThreadMembership(deps.sql, 'slack');

  // Slack delivers again only what it has not been told arrived. An HTTP event is answered once queued
  // (processBeforeResponse), so a failure to queue is a 500 and Slack tries again: three more times over about five
  // minutes. But in Socket Mode Bolt acknowledges every event before its listener runs, and a slash command is
  // acknowledged before it is queued: those would be lost while Redis is down, so they are held in Postgres instead
  // and queued once it is back (HeldMessages).
  const held = new HeldMessages(deps.sql, producer, log.child({ adapter: 'slack' }));
  held.start();
  const enqueue = async (message: InboundMessage, acknowledged = Boolean(socketReceiver)) => {
    if (acknowledged) {
      const outcome = await held.submit(message);
      log.debug({ deliveryId: message.id, kind: message.kind, outcome }, 'took a Slack message');
      return;
    }
    await producer.enqueue(message);
    log.debug({ deliveryId: message.id, kind: message.kind }, 'queued Slack message');
  };

  const toInbound = async (
    event: SlackMessageEvent,
    teamId: string,
    kind: InboundMessage['kind'],
    threadId: string | undefined,
  ): Promise<InboundMessage> => ({
    v: 1,
    // One id per Slack message, not per event: a mention arrives as app_mention and as message, and retries repeat.
    id: slackDeliveryId(teamId, event.channel, event.ts),
    platform: 'slack',
    kind,
    address: { workspaceId: teamId, channelId: event.channel, ...(threadId ? { threadId } : {}) },
    author: { id: event.user ?? 'unknown', name: await names.nameOf(event.user), isBot: false },
    text: fromSlackText(event.text ?? '', botUserId),
    attachments: slackAttachments(event.files),
    sentAt: new Date(Number(event.ts) * 1000).toISOString(),
    messageId: event.ts,
    ...(event.thread_ts && event.thread_ts !== event.ts ? { inExistingThread: true } : {}),
  });

  /** Slack sends these fields with every message; an event without them (a Slack bug) is dropped, not retried. */
  const wellFormed = (e: SlackMessageEvent): boolean => {
    const ok =
      typeof e.channel === 'string' &&
      typeof e.ts === 'string' &&
      /^\d{1,12}(\.\d{1,6})?$/.test(e.ts) &&
      ['string', 'undefined'].includes(typeof e.text) &&
      ['string', 'undefined'].includes(typeof e.user) &&
      ['string', 'undefined'].includes(typeof e.thread_ts) &&
      (e.files === undefined || Array.isArray(e.files));
    if (!ok) log.warn({ type: e.type, channel: typeof e.channel === 'string' ? e.channel : undefined }, 'dropping a malformed Slack event');
    return ok;
  };

  app.event('app_mention', async ({ event, body }) => {
    const e = event as unknown as SlackMessageEvent;
    if (e.bot_id || e.user === botUserId || !wellFormed(e)) return;
    threads.summon(e.channel, e.thread_ts ?? e.ts);
    await enqueue(await toInbound(e, teamOf(body), 'mention', e.thread_ts ?? e.ts));
  });

  app.event('message', async ({ event, body }) => {
    const e = event as unknown as SlackMessageEvent;
    if (e.bot_id || e.user === botUserId || !e.user || !HUMAN_SUBTYPES.has(e.subtype) || !wellFormed(e)) return;
    const teamId = teamOf(body);
    if (e.channel_type === 'im') {
      await enqueue(await toInbound(e, teamId, 'dm', e.thread_ts));
      return;
    }
    // In channels, app_mention covers messages that mention the bot; a plain message counts only as a follow-up
    // in a thread Xiaoliu is already part of.
    if (!e.thread_ts || mentionsBot(e.text, botUserId) || config.replyMode === 'mentions') return;
    if (!(await threads.isMember(teamId, e.channel, e.thread_ts))) return;
    await enqueue(await toInbound(e, teamId, 'thread', e.thread_ts));
  });

  app.event('assistant_thread_started', async ({ event }) => {
    const thread = (event as unknown as { assistant_thread: { channel_id: string; thread_ts: string } }).assistant_thread;
    await greetAssistantThread(client, thread.channel_id, thread.thread_ts, log);
  });

  app.command(config.slashCommand, async ({ command, ack, respond }) => {
    await ack();
    // Slack hears the ack only when this listener returns (processBeforeResponse): post and queue after that, so a
    // slow chat.postMessage cannot make Slack show the user a timeout. Failures are answered to the user below.
    void answerCommand(command, respond).catch((error) => log.error({ err: error }, 'slash command failed'));
  });

  const answerCommand = async (
    command: { text: string; channel_id: string; user_id: string; user_name: string; team_id: string; command: string },
    respond: (message: { response_type: 'ephemeral'; text: string }) => Promise<unknown>,
  ) => {
    const text = command.text.trim() || 'help';
    // The answer goes in a thread under a message that shows the question, so the channel can follow up there.
    let rootTs: string;
    try {
      const root = await client.chat.postMessage({
        channel: command.channel_id,
        text: `<@${command.user_id}> asked: ${text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}`,
        unfurl_links: false,
      });
      rootTs = String(root.ts);
      threads.summon(command.channel_id, rootTs);
    } catch (error) {
      log.warn({ err: error, channel: command.channel_id }, 'could not post the slash command question');
      await respond({
        response_type: 'ephemeral',
        text: `I can't post in this channel. Invite me first with \`/invite @${auth.user ?? 'xiaoliu'}\`, or DM me.`,
      });
      return;
    }
    try {
      await enqueue({
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
      }, true);
    } catch (error) {
      log.error({ err: error }, 'could not queue or hold a slash command: are Redis (REDIS_URL) and Postgres (DATABASE_URL) reachable?');
      await respond({ response_type: 'ephemeral', text: 'Sorry, I could not take that request right now. Please try again.' });
    }
  };

  app.error(async (error) => {
    // Over HTTP Slack delivers the event again; in Socket Mode it was acknowledged already, and is lost.
    log.error({ err: error }, socketReceiver ? 'Slack listener failed; the event is lost' : 'Slack listener failed; Slack will deliver the event again');
    throw error; // rethrown so the receiver answers 500 and Slack retries
  });

  if (receiver) {
    deps.http.route('POST', '/slack/events', async (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      res.once('finish', () => deps.metrics.ingressAck.observe({ platform: 'slack' }, (performance.now() - started) / 1000));
      if (Number(req.headers['x-slack-request-timestamp']) > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return reply(res, 401);
      // Bolt checks its limit only while reading; a declared length over it is refused before a byte is read.
      if (Number(req.headers['content-length']) > defaultBodyLimit) return reply(res, 413, { connection: 'close' });
      // The body is read here, with Bolt's own limit, and Bolt then uses it as read: a body of JSON `null` must be
      // refused first, because Bolt's receiver reads a property of it outside any try and the process dies.
      let buffered: IncomingMessage & { rawBody: Buffer };
      try {
        buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
      } catch (error) {
        return reply(res, isRawBodyError(error) && error.statusCode === 413 ? 413 : 400);
      }
      if (isJsonNull(buffered.rawBody, req.headers['content-type'])) return reply(res, 400);
      receiver.requestListener(buffered, res);
    });
  } else {
    await app.start();
  }
  log.info({ botUserId, mode: receiver ? 'http' : 'socket' }, 'Slack adapter is on');
  return {
    botUserId,
    async stop() {
      if (socketReceiver) {
        // Bolt's stop() does not wait for the socket to close; the client says when it has.
        const closed = new Promise((resolve) => socketReceiver.client.once('disconnected', resolve));
        await app.stop();
        await closed;
      }
      // Messages still held stay in Postgres: the next gateway to start queues them.
      await held.stop();
    },
  };
}

function reply(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** Whether a body is JSON `null` (as a form, its `payload` field), which Bolt cannot take. Cheap: small bodies only. */
function isJsonNull(raw: Buffer, contentType: string | undefined): boolean {
  if (raw.length > 1024) return false;
  const text = raw.toString('utf8');
  const json = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(text).get('payload') : text;
  return json?.trim() === 'null';
}

function teamOf(body: unknown): string {
  const b = body as { team_id?: unknown; authorizations?: { team_id?: unknown }[] };
  // Only a string: the team id becomes part of ids and database keys.
  const team = typeof b.team_id === 'string' ? b.team_id : Array.isArray(b.authorizations) ? b.authorizations[0]?.team_id : undefined;
  return typeof team === 'string' && team !== '' ? team : 'unknown';
}
