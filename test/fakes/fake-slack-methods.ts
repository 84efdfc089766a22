// The Web API methods the fake implements, with the arguments, answers and error codes Slack documents for them.
import { isStreaming, type SlackState, type SlackMessage } from './fake-slack-state.js';
import { conversationsHistory, conversationsReplies, type SlackAppClass } from './fake-slack-history.js';
import type { SlackArgs } from './fake-slack-wire.js';

export type SlackReply = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };

export interface MethodContext {
  state: SlackState;
  /** http://127.0.0.1:PORT, for the upload URLs the fake hands out. */
  baseUrl: string;
  teamName: string;
  /** Slack ends a stream this long after chat.startStream; later appends answer message_not_in_streaming_state. */
  streamLifetimeMs: number;
  /** A fresh Socket Mode URL (one-time ticket) for apps.connections.open. */
  socketUrl: () => string;
  /** Which history limits apply (fake-slack-history.ts). */
  appClass: SlackAppClass;
}

type Handler = (args: SlackArgs, ctx: MethodContext) => SlackReply;

const fail = (error: string): SlackReply => ({ ok: false, error });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Drops undefined fields, so records hold only what was sent (and compare cleanly in tests). */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

// Limits Slack documents: 40,000 characters of text per message, 12,000 of markdown per stream call, 50 blocks.
const MAX_TEXT = 40_000;
const MAX_STREAM_MARKDOWN = 12_000;
const MAX_BLOCKS = 50;

/** text/blocks of a message-making call, or the error Slack gives for them. */
function content(args: SlackArgs): { text?: string; blocks?: unknown[]; error?: string } {
  const text = str(args.text) ?? str(args.markdown_text);
  const blocks: unknown = args.blocks;
  if (blocks !== undefined && (!Array.isArray(blocks) || blocks.length > MAX_BLOCKS)) return { error: 'invalid_blocks' };
  if (text !== undefined && text.length > MAX_TEXT) return { error: 'msg_too_long' };
  return { ...(text !== undefined ? { text } : {}), ...(blocks !== undefined ? { blocks: blocks as unknown[] } : {}) };
}

/** Markdown carried by a streaming call, from `markdown_text` and/or `chunks` (the web-api helper sends chunks). */
function streamed(args: SlackArgs): { text: string; chunks: unknown[]; error?: string } {
  const chunks: unknown = args.chunks ?? [];
  if (!Array.isArray(chunks)) return { text: '', chunks: [], error: 'invalid_chunks' };
  let text = typeof args.markdown_text === 'string' ? args.markdown_text : '';
  if (text.length > MAX_STREAM_MARKDOWN) return { text: '', chunks: [], error: 'msg_too_long' };
  for (const chunk of chunks as Array<Record<string, unknown>>) {
    if (!chunk || typeof chunk.type !== 'string') return { text: '', chunks: [], error: 'invalid_chunks' };
    if (chunk.type !== 'markdown_text') continue;
    if (typeof chunk.text !== 'string') return { text: '', chunks: [], error: 'invalid_chunks' };
    if (chunk.text.length > MAX_STREAM_MARKDOWN) return { text: '', chunks: [], error: 'msg_too_long' };
    text += chunk.text;
  }
  // A new array: the recorded call's arguments must not grow as the stream does.
  const all = typeof args.markdown_text === 'string' ? [{ type: 'markdown_text', text: args.markdown_text }, ...chunks] : [...chunks];
  return { text, chunks: all };
}

/** The bot's own message at channel/ts, or the error Slack gives when it is missing or someone else's. */
function ownMessage(args: SlackArgs, ctx: MethodContext, notOwn: string): SlackMessage | SlackReply {
  const channel = str(args.channel);
  const ts = str(args.ts);
  if (!channel) return fail('channel_not_found');
  const message = ts ? ctx.state.find(channel, ts) : undefined;
  if (!message) return fail('message_not_found');
  if (message.bot_id !== ctx.state.bot.botId) return fail(notOwn);
  return message;
}

/** The open stream at channel/ts; a stream past its lifetime is closed as Slack closes it. */
function openStream(args: SlackArgs, ctx: MethodContext): SlackMessage | SlackReply {
  const found = ownMessage(args, ctx, 'message_not_in_streaming_state');
  if ('ok' in found) return found;
  const stream = found.stream;
  if (stream && stream.state === 'streaming' && !isStreaming(found)) stream.state = 'stopped';
  if (!stream || stream.state !== 'streaming') return fail('message_not_in_streaming_state');
  return found;
}

/**
 * Keeps a stream's markdown in the message's blocks, ahead of any chat.stopStream `blocks` ("rendered at the bottom
 * of the finalized message": https://docs.slack.dev/reference/methods/chat.stopStream). The streamed text is block
 * content, not just `text`: an edit that sends only `text` leaves it on screen (chat.update keeps blocks it is not
 * given, https://docs.slack.dev/reference/methods/chat.update), which apps have found duplicating answers
 * (https://github.com/NousResearch/hermes-agent/pull/109525, https://github.com/paradigmxyz/centaur/pull/125). Slack
 * does not document the block type it stores; the fake uses a `markdown` block, the block for standard Markdown.
 */
function showStreamed(message: SlackMessage, after: unknown[] = []): void {
  const streamed = message.text ? [{ type: 'markdown', text: message.text }] : [];
  const blocks = [...streamed, ...after];
  if (blocks.length) message.blocks = blocks;
  else delete message.blocks;
}

export const methods: Record<string, Handler> = {
  'api.test': (args) => ({ ok: true, args }),

  // Token checks (app-level token only) happen before this, in fake-slack.ts.
  'apps.connections.open': (_args, { socketUrl }) => ({ ok: true, url: socketUrl() }),

  'auth.test': (_args, { state, teamName }) => ({
    ok: true,
    url: 'https://fake-workspace.slack.com/',
    team: teamName,
    user: state.user(state.bot.userId).name,
    team_id: state.bot.teamId,
    user_id: state.bot.userId,
    bot_id: state.bot.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (args, { state }) => {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    const c = content(args);
    if (c.error) return fail(c.error);
    if (c.text === undefined && !c.blocks?.length && !args.attachments) return fail('no_text');
    const message = state.addBotMessage({
      channel,
      thread_ts: str(args.thread_ts),
      text: c.text ?? '',
      ...(c.blocks ? { blocks: c.blocks } : {}),
      ...(args.metadata ? { metadata: args.metadata } : {}),
    });
    return { ok: true, channel, ts: message.ts, message: state.view(message) };
  },

  'chat.update': (args, ctx) => {
    const { state } = ctx;
    const found = ownMessage(args, ctx, 'cant_update_message');
    if ('ok' in found) return found;
    const c = content(args);
    if (c.error) return fail(c.error);
    if (c.text === undefined && c.blocks === undefined && !args.attachments) return fail('no_text');
    // Slack keeps the old blocks unless `blocks` is given (https://docs.slack.dev/reference/methods/chat.update: "If
    // you don't include this field, the message's previous blocks will be retained. To remove previous blocks,
    // include an empty array for this field.")
    if (c.text !== undefined) found.text = c.text;
    if (c.blocks?.length) found.blocks = c.blocks;
    else if (c.blocks) delete found.blocks;
    found.edited = { user: state.bot.userId, ts: state.clock.next() };
    state.changed(found);
    return { ok: true, channel: found.channel, ts: found.ts, text: found.text, message: state.view(found) };
  },

  'chat.postEphemeral': (args, { state }) => {
    const channel = str(args.channel);
    const user = str(args.user);
    if (!channel) return fail('channel_not_found');
    if (!user) return fail('user_not_found');
    const c = content(args);
    if (c.error) return fail(c.error);
    if (c.text === undefined && !c.blocks?.length && !args.attachments) return fail('no_text');
    const message_ts = state.clock.next();
    const thread_ts = str(args.thread_ts);
    state.ephemerals.push(
      compact({ channel, user, text: c.text ?? '', thread_ts, blocks: c.blocks, message_ts, at: Date.now() }),
    );
    return { ok: true, message_ts };
  },

  'chat.delete': (args, ctx) => {
    const found = ownMessage(args, ctx, 'cant_delete_message');
    if ('ok' in found) return found;
    ctx.state.remove(found.channel, found.ts);
    return { ok: true, channel: found.channel, ts: found.ts };
  },

  'chat.startStream': (args, { state, streamLifetimeMs }) => {
    const channel = str(args.channel);
    const thread_ts = str(args.thread_ts);
    if (!channel) return fail('channel_not_found');
    if (!thread_ts) return fail('invalid_arguments');
    const s = streamed(args);
    if (s.error) return fail(s.error);
    const startedAt = Date.now();
    const message = state.addBotMessage({
      channel,
      thread_ts,
      text: s.text,
      ...(s.text ? { blocks: [{ type: 'markdown', text: s.text }] } : {}),
      stream: {
        state: 'streaming',
        startedAt,
        endsAt: startedAt + streamLifetimeMs,
        opening: s.text,
        chunks: s.chunks,
        ...(str(args.recipient_team_id) ? { recipient_team_id: args.recipient_team_id } : {}),
        ...(str(args.recipient_user_id) ? { recipient_user_id: args.recipient_user_id } : {}),
      },
    });
    return { ok: true, channel, ts: message.ts };
  },

  'chat.appendStream': (args, ctx) => {
    const found = openStream(args, ctx);
    if ('ok' in found) return found;
    const s = streamed(args);
    if (s.error) return fail(s.error);
    found.text += s.text;
    found.stream!.chunks.push(...s.chunks);
    showStreamed(found);
    ctx.state.changed(found);
    return { ok: true, channel: found.channel, ts: found.ts };
  },

  'chat.stopStream': (args, ctx) => {
    const found = openStream(args, ctx);
    if ('ok' in found) return found;
    const s = streamed(args);
    if (s.error) return fail(s.error);
    const blocks: unknown = args.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) return fail('invalid_blocks');
    found.text += s.text;
    found.stream!.chunks.push(...s.chunks);
    found.stream!.state = 'stopped';
    showStreamed(found, Array.isArray(blocks) ? blocks : []);
    if (args.metadata) found.metadata = args.metadata;
    ctx.state.changed(found);
    return { ok: true, channel: found.channel, ts: found.ts, message: ctx.state.view(found) };
  },

  // Accepted in any conversation with a thread, channels included: "The assistant.threads.setStatus API method now
  // accepts either the assistant:write or chat:write scope. This allows channel-based apps to use AI loading states
  // in channels" (https://docs.slack.dev/changelog/2026/03/05/set-status-scope-update).
  'assistant.threads.setStatus': (args, { state }) => {
    const channel_id = str(args.channel_id);
    const thread_ts = str(args.thread_ts);
    if (!channel_id || !thread_ts || typeof args.status !== 'string') return fail('invalid_arguments');
    const loading = Array.isArray(args.loading_messages) ? { loading_messages: args.loading_messages as string[] } : {};
    state.statuses.push({ channel_id, thread_ts, status: args.status, ...loading, at: Date.now() });
    // An empty status clears the indicator.
    if (args.status) state.currentStatus.set(`${channel_id} ${thread_ts}`, args.status);
    else state.currentStatus.delete(`${channel_id} ${thread_ts}`);
    return { ok: true };
  },

  // reactions.add: "Adds a reaction to an item"; errors `already_reacted` and `no_item_specified`
  // (https://docs.slack.dev/reference/methods/reactions.add). Messages a test sent as events are not in the fake's
  // state, so any channel and timestamp are accepted as an item.
  'reactions.add': (args, { state }) => {
    const channel = str(args.channel);
    const timestamp = str(args.timestamp);
    const name = str(args.name);
    if (!channel || !timestamp) return fail('no_item_specified');
    if (!name) return fail('invalid_name');
    const key = `${channel} ${timestamp}`;
    const onItem = state.reactions.get(key) ?? new Map<string, Set<string>>();
    const users = onItem.get(name) ?? new Set<string>();
    if (users.has(state.bot.userId)) return fail('already_reacted');
    users.add(state.bot.userId);
    onItem.set(name, users);
    state.reactions.set(key, onItem);
    return { ok: true };
  },

  // reactions.remove: errors `no_reaction` when the app had not added it (https://docs.slack.dev/reference/methods/reactions.remove).
  'reactions.remove': (args, { state }) => {
    const channel = str(args.channel);
    const timestamp = str(args.timestamp);
    const name = str(args.name);
    if (!channel || !timestamp) return fail('no_item_specified');
    const users = name ? state.reactions.get(`${channel} ${timestamp}`)?.get(name) : undefined;
    if (!users?.delete(state.bot.userId)) return fail('no_reaction');
    return { ok: true };
  },

  'assistant.threads.setTitle': (args, { state }) => {
    const channel_id = str(args.channel_id);
    const thread_ts = str(args.thread_ts);
    if (!channel_id || !thread_ts || typeof args.title !== 'string') return fail('invalid_arguments');
    state.titles.push({ channel_id, thread_ts, title: args.title, at: Date.now() });
    return { ok: true };
  },

  'assistant.threads.setSuggestedPrompts': (args, { state }) => {
    const channel_id = str(args.channel_id);
    if (!channel_id || !Array.isArray(args.prompts)) return fail('invalid_arguments');
    const thread_ts = str(args.thread_ts);
    const title = str(args.title);
    state.suggestedPrompts.push(compact({ channel_id, thread_ts, title, prompts: args.prompts, at: Date.now() }));
    return { ok: true };
  },

  // A modal, opened with the trigger_id of an interaction ("trigger_id: Exchange a trigger to post to the user";
  // "view: A view payload", https://docs.slack.dev/reference/methods/views.open). A trigger lives 3 seconds
  // ("expired_trigger_id", same page); the fake cannot tell its age, so any non-empty one is taken.
  'views.open': (args, { state }) => {
    const trigger_id = str(args.trigger_id);
    if (!trigger_id) return fail('invalid_arguments');
    const view = args.view as Record<string, unknown> | undefined;
    if (!view || typeof view !== 'object' || view.type !== 'modal') return fail('invalid_arguments');
    // "title: … Max length of 24 characters" (https://docs.slack.dev/reference/views/modal-views).
    const title = (view.title as { text?: unknown } | undefined)?.text;
    if (typeof title !== 'string' || title.length > 24) return fail('invalid_arguments');
    state.views.push({ method: 'views.open', trigger_id, view, at: Date.now() });
    return { ok: true, view: { id: `V${state.views.length}`, ...view } };
  },

  // A user's App Home tab ("user_id: id of the user you want publish a view to"; "view: A view payload",
  // https://docs.slack.dev/reference/methods/views.publish); a Home tab view has type 'home' and at most 100 blocks
  // (https://docs.slack.dev/surfaces/app-home).
  'views.publish': (args, { state }) => {
    const user_id = str(args.user_id);
    if (!user_id) return fail('invalid_arguments');
    const view = args.view as Record<string, unknown> | undefined;
    if (!view || typeof view !== 'object' || view.type !== 'home') return fail('invalid_arguments');
    if (!Array.isArray(view.blocks) || view.blocks.length > 100) return fail('invalid_blocks');
    state.views.push({ method: 'views.publish', user_id, view, at: Date.now() });
    return { ok: true, view: { id: `V${state.views.length}`, ...view } };
  },

  // Oldest-first threads, newest-first history, time windows and the caps of each app class: fake-slack-history.ts.
  'conversations.replies': (args, { state, appClass }) => conversationsReplies(args, state, appClass),
  'conversations.history': (args, { state, appClass }) => conversationsHistory(args, state, appClass),

  // A conversation object's type flags (https://docs.slack.dev/reference/methods/conversations.info): a channel the
  // fake was not told of is not found, as Slack answers for one the bot cannot see.
  'conversations.info': (args, { state }) => {
    const c = state.channels.get(str(args.channel) ?? '');
    if (!c) return fail('channel_not_found');
    const isPrivate = c.is_private ?? false;
    return {
      ok: true,
      channel: { id: c.id, name: c.name ?? c.id.toLowerCase(), is_channel: !isPrivate, is_group: isPrivate, is_im: false, is_mpim: false, is_private: isPrivate, is_archived: false, is_member: true },
    };
  },

  'users.info': (args, { state }) => {
    const id = str(args.user);
    if (!id) return fail('user_not_found');
    const u = state.user(id);
    const real_name = u.real_name ?? u.name ?? id;
    const display_name = u.display_name ?? u.name ?? id;
    return {
      ok: true,
      user: {
        id,
        team_id: state.bot.teamId,
        name: u.name ?? id.toLowerCase(),
        deleted: false,
        real_name,
        tz: u.tz ?? 'UTC',
        is_bot: u.is_bot ?? false,
        is_restricted: u.is_restricted ?? false,
        is_ultra_restricted: u.is_ultra_restricted ?? false,
        profile: { display_name, display_name_normalized: display_name, real_name, real_name_normalized: real_name },
      },
    };
  },

  'files.getUploadURLExternal': (args, { state, baseUrl }) => {
    const filename = str(args.filename);
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length < 1) return fail('invalid_arguments');
    const file_id = state.newFileId();
    state.pendingUploads.set(file_id, { file_id, filename, length, ...(str(args.alt_text) ? { alt_text: args.alt_text } : {}) });
    return { ok: true, upload_url: `${baseUrl}/upload/${file_id}`, file_id };
  },

  'files.completeUploadExternal': (args, { state }) => {
    const files: unknown = args.files;
    if (!Array.isArray(files) || files.length === 0) return fail('invalid_arguments');
    const pending = (files as Array<{ id?: string; title?: string }>).map((f) => ({ f, p: f.id ? state.pendingUploads.get(f.id) : undefined }));
    // The fake's choice: completing an id it never handed out, or whose bytes never arrived, is file_not_found.
    if (pending.some(({ p }) => !p?.bytes)) return fail('file_not_found');
    const channel_id = str(args.channel_id);
    const thread_ts = str(args.thread_ts);
    const initial_comment = str(args.initial_comment);
    const at = Date.now();
    const done = pending.map(({ f, p }) => {
      const title = f.title ?? p!.filename;
      state.pendingUploads.delete(p!.file_id);
      const { file_id, filename, length, bytes } = p!;
      state.uploads.push(compact({ file_id, filename, title, length, bytes: bytes!, channel_id, thread_ts, initial_comment, at }));
      return { id: file_id, name: filename, title, size: bytes!.length, user: state.bot.userId, created: Math.floor(at / 1000) };
    });
    // Sharing into a channel posts a message carrying the files, with the comment as its text, as Slack does.
    if (channel_id) {
      const files = done.map(({ id, name, title }) => ({ id, name, title }));
      state.addBotMessage({ channel: channel_id, thread_ts, text: initial_comment ?? '', files });
    }
    return { ok: true, files: done };
  },
};
