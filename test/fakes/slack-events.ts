// Drives a real Bolt HTTP receiver the way Slack does: signed Events API JSON, form-encoded slash commands and
// interactivity payloads, and builders for the documented payload shapes.
import { createHmac } from 'node:crypto';
import { createLeanFetch } from '../../src/net/lean-fetch.js';

/**
 * Deliveries go through Xiaoliu's own lean fetch: a third of the CPU of Node's, which matters when the bench sends
 * hundreds a second from a process that shares the machine with what it measures.
 */
const leanFetch = createLeanFetch();

export interface SlackDelivery {
  status: number;
  body: string;
  headers: Headers;
}

/** Headers Slack signs a request with: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`). */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}

export interface DeliveryOptions {
  /** Sign as if sent at this time (Bolt answers 401 to anything over 5 minutes old). */
  timestampSeconds?: number;
}

async function deliver(
  url: string,
  signingSecret: string,
  body: string,
  contentType: string,
  extraHeaders: Record<string, string>,
  options: DeliveryOptions,
): Promise<SlackDelivery> {
  const res = await leanFetch(url, {
    method: 'POST',
    headers: {
      // Bolt parses a form body only when the content-type is exactly this string, so nothing is appended to it.
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signSlackRequest(signingSecret, body, options.timestampSeconds),
      // Last, so a test can send a wrong signature or retry headers (x-slack-retry-num, x-slack-retry-reason).
      ...extraHeaders,
    },
    body,
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/**
 * POSTs an Events API payload (an envelope object, or a raw JSON string sent byte for byte). A test playing Slack's
 * redelivery sends the same payload again with `x-slack-retry-num` / `x-slack-retry-reason` headers: Slack retries a
 * delivery that failed (no 2xx, or no answer within 3 seconds) three times, at once, after about a minute and after
 * about five minutes (https://docs.slack.dev/apis/events-api/, "Failure conditions" and retries).
 */
export function sendSlackEvent(
  url: string,
  signingSecret: string,
  payload: object | string,
  extraHeaders: Record<string, string> = {},
  options: DeliveryOptions = {},
): Promise<SlackDelivery> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return deliver(url, signingSecret, body, 'application/json', extraHeaders, options);
}

/** POSTs a slash command as Slack does: form fields, `application/x-www-form-urlencoded`. */
export function sendSlashCommand(
  url: string,
  signingSecret: string,
  fields: Record<string, string>,
  extraHeaders: Record<string, string> = {},
  options: DeliveryOptions = {},
): Promise<SlackDelivery> {
  const body = new URLSearchParams(fields).toString();
  return deliver(url, signingSecret, body, 'application/x-www-form-urlencoded', extraHeaders, options);
}

/** POSTs an interactivity payload (block_actions, view_submission…): one form field `payload` holding JSON. */
export function sendInteraction(
  url: string,
  signingSecret: string,
  payload: object,
  extraHeaders: Record<string, string> = {},
  options: DeliveryOptions = {},
): Promise<SlackDelivery> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return deliver(url, signingSecret, body, 'application/x-www-form-urlencoded', extraHeaders, options);
}

// ---- Payload builders ---------------------------------------------------------------------------------------------

const VERIFICATION_TOKEN = 'fake-verification-token';
let counter = 0;

/** A fresh message ts near now, unique within the process. */
export function nextEventTs(): string {
  counter += 1;
  const micros = Date.now() * 1000 + (counter % 1000);
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** A fresh event id shaped like Slack's ('Ev' + uppercase alphanumerics). */
export function nextEventId(): string {
  counter += 1;
  return `Ev0FAKE${counter.toString(36).toUpperCase().padStart(5, '0')}`;
}

export interface EnvelopeFields {
  team?: string; // 'T0FAKE'
  event_id?: string;
  /** Seconds; defaults to now. */
  event_time?: number;
  api_app_id?: string; // 'A0FAKE'
  /** The installing bot user, listed in `authorizations` (defaults to the fake's 'UBOT'). */
  bot_user_id?: string;
}

/** The `event_callback` envelope Slack wraps every Events API event in. */
export function eventCallback(event: Record<string, unknown>, f: EnvelopeFields = {}) {
  const team = f.team ?? 'T0FAKE';
  return {
    token: VERIFICATION_TOKEN,
    team_id: team,
    context_team_id: team,
    context_enterprise_id: null,
    api_app_id: f.api_app_id ?? 'A0FAKE',
    event,
    type: 'event_callback' as const,
    event_id: f.event_id ?? nextEventId(),
    event_time: f.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: team, user_id: f.bot_user_id ?? 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-fake-${team}`,
  };
}

/** The rich_text block Slack attaches to a user's message, holding the plain text. */
const richText = (text: string) => [
  { type: 'rich_text', block_id: 'fake', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] },
];

export interface AppMentionFields extends EnvelopeFields {
  channel: string;
  user: string;
  /** Slack writes the mention as `<@UBOT> question`. */
  text: string;
  ts?: string;
  thread_ts?: string;
}

export function appMentionEvent(f: AppMentionFields) {
  const ts = f.ts ?? nextEventTs();
  const event = {
    type: 'app_mention',
    user: f.user,
    text: f.text,
    ts,
    ...(f.thread_ts ? { thread_ts: f.thread_ts } : {}),
    client_msg_id: `fake-${ts}`,
    team: f.team ?? 'T0FAKE',
    blocks: richText(f.text),
    channel: f.channel,
    event_ts: ts,
  };
  return eventCallback(event, f);
}

export interface MessageFields extends EnvelopeFields {
  channel: string;
  /** Human sender; bot messages carry `bot_id` (and usually the bot's user id too). */
  user?: string;
  text: string;
  ts?: string;
  thread_ts?: string;
  parent_user_id?: string;
  channel_type?: 'channel' | 'group' | 'im' | 'mpim';
  bot_id?: string;
  /** e.g. 'bot_message' (legacy bots, webhooks), 'message_changed', 'message_deleted', 'file_share'. */
  subtype?: string;
  /** Files shared with the message (https://docs.slack.dev/reference/objects/file-object), as the fake hosts them. */
  files?: object[];
}

export function messageEvent(f: MessageFields) {
  const ts = f.ts ?? nextEventTs();
  const event = {
    type: 'message',
    ...(f.subtype ? { subtype: f.subtype } : {}),
    ...(f.user ? { user: f.user } : {}),
    text: f.text,
    ts,
    ...(f.thread_ts ? { thread_ts: f.thread_ts } : {}),
    ...(f.parent_user_id ? { parent_user_id: f.parent_user_id } : {}),
    ...(f.files ? { files: f.files } : {}),
    ...(f.bot_id
      ? { bot_id: f.bot_id, app_id: f.api_app_id ?? 'A0FAKE', bot_profile: { id: f.bot_id, name: 'bot', team_id: f.team ?? 'T0FAKE' } }
      : { client_msg_id: `fake-${ts}`, blocks: richText(f.text) }),
    team: f.team ?? 'T0FAKE',
    channel: f.channel,
    event_ts: ts,
    channel_type: f.channel_type ?? 'channel',
  };
  return eventCallback(event, f);
}

/**
 * A message edited: `message_changed` carries the message as it is now under `message` (same ts, `edited` set) and
 * as it was under `previous_message`; hidden, so clients do not show it as a new message
 * (https://docs.slack.dev/reference/events/message/message_changed).
 */
export function messageChangedEvent(f: EnvelopeFields & { channel: string; user: string; ts: string; text: string; previous: string; thread_ts?: string; channel_type?: MessageFields['channel_type'] }) {
  const eventTs = nextEventTs();
  const thread = f.thread_ts ? { thread_ts: f.thread_ts } : {};
  const event = {
    type: 'message',
    subtype: 'message_changed',
    message: { type: 'message', user: f.user, text: f.text, ts: f.ts, ...thread, edited: { user: f.user, ts: eventTs }, client_msg_id: `fake-${f.ts}`, blocks: richText(f.text) },
    previous_message: { type: 'message', user: f.user, text: f.previous, ts: f.ts, ...thread, client_msg_id: `fake-${f.ts}` },
    channel: f.channel,
    hidden: true,
    ts: eventTs,
    event_ts: eventTs,
    channel_type: f.channel_type ?? 'channel',
  };
  return eventCallback(event, f);
}

/**
 * A message deleted: `message_deleted` names it by `deleted_ts`, with the message as it was under `previous_message`
 * (https://docs.slack.dev/reference/events/message/message_deleted).
 */
export function messageDeletedEvent(f: EnvelopeFields & { channel: string; user: string; deleted_ts: string; previous: string; channel_type?: MessageFields['channel_type'] }) {
  const eventTs = nextEventTs();
  const event = {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    deleted_ts: f.deleted_ts,
    channel: f.channel,
    previous_message: { type: 'message', user: f.user, text: f.previous, ts: f.deleted_ts },
    ts: eventTs,
    event_ts: eventTs,
    channel_type: f.channel_type ?? 'channel',
  };
  return eventCallback(event, f);
}

export interface SlashCommandFields {
  command?: string; // '/xiaoliu'
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
}

/** The form fields of a slash command; pass to `sendSlashCommand`. */
export function slashCommand(f: SlashCommandFields): Record<string, string> {
  const team = f.team_id ?? 'T0FAKE';
  return {
    token: VERIFICATION_TOKEN,
    team_id: team,
    team_domain: f.team_domain ?? 'fake-workspace',
    channel_id: f.channel_id,
    channel_name: f.channel_name ?? 'general',
    user_id: f.user_id,
    user_name: f.user_name ?? f.user_id.toLowerCase(),
    command: f.command ?? '/xiaoliu',
    text: f.text ?? '',
    api_app_id: f.api_app_id ?? 'A0FAKE',
    is_enterprise_install: 'false',
    response_url: f.response_url ?? `https://hooks.slack.com/commands/${team}/0000000000/fake`,
    trigger_id: f.trigger_id ?? `${Date.now()}.0000000000.fake`,
  };
}

/** The handshake Slack sends when an Events API request URL is set; the app must echo `challenge`. */
export function urlVerification(challenge: string) {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' as const };
}

export interface BlockActionFields {
  team?: string;
  user: string;
  channel: string;
  /** The message the button is on, as Slack sends it (ts, thread_ts, text, blocks). */
  message: { ts: string; thread_ts?: string; text?: string; blocks?: unknown[] };
  /** The pressed element: action_id, value, type ('button' or 'feedback_buttons'), block_id. */
  action: { action_id: string; value: string; type?: string; block_id?: string };
  trigger_id?: string;
}

/**
 * A `block_actions` payload: a button pressed on a message
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload). Pass to `sendInteraction`.
 */
export function blockActions(f: BlockActionFields) {
  const team = f.team ?? 'T0FAKE';
  return {
    type: 'block_actions',
    user: { id: f.user, username: f.user.toLowerCase(), name: f.user.toLowerCase(), team_id: team },
    api_app_id: 'A0FAKE',
    token: VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: f.message.ts,
      channel_id: f.channel,
      is_ephemeral: false,
      ...(f.message.thread_ts ? { thread_ts: f.message.thread_ts } : {}),
    },
    trigger_id: f.trigger_id ?? `${Date.now()}.0000000000.fake${(counter += 1)}`,
    team: { id: team, domain: 'fake-workspace' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: f.channel, name: 'general' },
    message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', text: '', ...f.message },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${team}/0000000000/fake`,
    actions: [
      {
        type: f.action.type ?? 'button',
        action_id: f.action.action_id,
        block_id: f.action.block_id ?? 'fake-block',
        value: f.action.value,
        action_ts: nextEventTs(),
        ...(f.action.type === 'feedback_buttons' ? {} : { text: { type: 'plain_text', text: 'button', emoji: true } }),
      },
    ],
  };
}

/**
 * A `view_submission` payload: a modal submitted (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload),
 * with the input values under `view.state.values[block_id][action_id]`.
 */
export function viewSubmission(f: { team?: string; user: string; callback_id: string; private_metadata: string; values: Record<string, Record<string, { type: string; value: string }>> }) {
  const team = f.team ?? 'T0FAKE';
  return {
    type: 'view_submission',
    team: { id: team, domain: 'fake-workspace' },
    user: { id: f.user, username: f.user.toLowerCase(), name: f.user.toLowerCase(), team_id: team },
    api_app_id: 'A0FAKE',
    token: VERIFICATION_TOKEN,
    trigger_id: `${Date.now()}.0000000000.fake${(counter += 1)}`,
    view: {
      id: 'V0FAKE',
      team_id: team,
      type: 'modal',
      callback_id: f.callback_id,
      private_metadata: f.private_metadata,
      blocks: [],
      title: { type: 'plain_text', text: 'Fake' },
      state: { values: f.values },
      hash: 'fake-hash',
      app_id: 'A0FAKE',
      bot_id: 'BBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}

/**
 * A `message_action` payload: a message shortcut chosen on a message
 * (https://docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload#message_actions).
 */
export function messageAction(f: { team?: string; user: string; channel: string; callback_id: string; message: { ts: string; thread_ts?: string; text: string; user?: string } }) {
  const team = f.team ?? 'T0FAKE';
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: nextEventTs(),
    team: { id: team, domain: 'fake-workspace' },
    user: { id: f.user, username: f.user.toLowerCase(), name: f.user.toLowerCase(), team_id: team },
    channel: { id: f.channel, name: 'general' },
    is_enterprise_install: false,
    callback_id: f.callback_id,
    trigger_id: `${Date.now()}.0000000000.fake${(counter += 1)}`,
    response_url: `https://hooks.slack.com/app/${team}/0000000000/fake`,
    message_ts: f.message.ts,
    message: { type: 'message', user: f.message.user ?? 'U1', ...f.message },
  };
}
