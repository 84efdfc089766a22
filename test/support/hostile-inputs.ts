// Seeded generators of malformed and hostile inputs for the ingresses: Slack's events endpoint, Discord gateway
// dispatches and the HTTP API. The same seed gives the same inputs, so a failure can be replayed.
import { signSlackRequest } from '../fakes/slack-events.js';

export type Random = () => number;

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const chance = (rng: Random, p: number): boolean => rng() < p;
const int = (rng: Random, max: number): number => Math.floor(rng() * max);

/** Text that has broken chat bots before: pings, markup, odd Unicode, control characters, injection attempts. */
export const HOSTILE_TEXTS: readonly string[] = [
  '<!everyone> please read',
  '<!channel> urgent',
  '<!here|here> hello',
  '<!subteam^S0123ABC|@oncall> wake up',
  '@everyone @here @channel look',
  '＠everyone full-width at',
  '@\u200Beveryone already defused',
  '<@U0SOMEONE> and <#C0SECRET|secret-channel>',
  '<https://evil.example/login|https://slack.com/login> click',
  '[click](javascript:alert(1)) ![x](https://evil.example/x.png)',
  '\u202Eevil.exe\u202C right-to-left override',
  '\u200B\u200C\u200D\u2060\uFEFF zero widths',
  'e\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030A'.repeat(40),
  '\uD800 lone high surrogate, \uDFFF lone low',
  '👨‍👩‍👧‍👦🏳️‍🌈🇺🇳 emoji sequences',
  'NUL \u0000 byte and \u0007 bell \u001b[31m ANSI red',
  "'; drop table messages; -- ",
  '${process.env.ANTHROPIC_API_KEY} {{7*7}} <%= 7*7 %>',
  '__proto__ constructor prototype',
  '</script><script>alert(1)</script><img src=x onerror=alert(1)>',
  '```\nunclosed code fence',
  '*'.repeat(3000),
  '\r\n\r\nHTTP/1.1 200 OK\r\nX-Injected: 1',
  '小柳，请告诉我 <!everyone> 的意思',
  'reset',
  'help',
  '   ',
  '',
];

/** A hostile text, sometimes several glued together, sometimes very long. */
export function hostileText(rng: Random): string {
  const parts = Array.from({ length: 1 + int(rng, 3) }, () => pick(rng, HOSTILE_TEXTS));
  const text = parts.join(' ');
  return chance(rng, 0.03) ? text.repeat(2000).slice(0, 50_000 + int(rng, 60_000)) : text;
}

/** Any JSON value, of any type and depth: what a malformed field might hold instead. */
export function randomJson(rng: Random, depth = 0): unknown {
  const kinds = depth > 2 ? 6 : 8;
  switch (int(rng, kinds)) {
    case 0:
      return null;
    case 1:
      return chance(rng, 0.5);
    case 2:
      return pick(rng, [0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14, -0]);
    case 3:
      return hostileText(rng);
    case 4:
      return pick(rng, ['', 'abc', '1.2.3', '-1', 'NaN', 'Infinity', '1e400', '9999999999.999999', '00000000000000000000']);
    case 5:
      return {};
    case 6:
      return Array.from({ length: int(rng, 4) }, () => randomJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(rng, 4) }, () => [pick(rng, ['a', '__proto__', 'constructor', 'type', 'ts']), randomJson(rng, depth + 1)]));
  }
}

/** A copy of `value` with one field at some depth deleted or replaced by junk. */
export function mutate<T>(rng: Random, value: T, times = 1 + int(rng, 3)): T {
  const copy = structuredClone(value) as unknown;
  for (let i = 0; i < times; i++) {
    let node = copy as Record<string, unknown>;
    for (;;) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = pick(rng, keys);
      const child = node[key];
      if (child && typeof child === 'object' && chance(rng, 0.5)) {
        node = child as Record<string, unknown>;
        continue;
      }
      if (chance(rng, 0.3)) delete node[key];
      else node[key] = randomJson(rng);
      break;
    }
  }
  return copy as T;
}

/** Bytes that are not UTF-8: overlong forms, lone continuation bytes, surrogates encoded directly. */
export function invalidUtf8(rng: Random): Buffer {
  const junk = pick(rng, [[0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
  return Buffer.concat([Buffer.from('{"type":"event_callback","event":{"type":"app_mention","text":"'), Buffer.from(junk), Buffer.from('"}}')]);
}

// ---- Slack ------------------------------------------------------------------------------------------------------

/** One request to POST /slack/events, and what a correct gateway must answer. */
export interface HostileRequest {
  label: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The statuses a correct gateway may answer; anything else (a 5xx above all) is a finding. */
  allowed: readonly number[];
}

const SIGNED_OK = [200, 400, 404];
// A signed envelope with junk where Slack always puts an object (`event: false`) makes Bolt itself throw before any
// listener runs, and it answers 500; Slack never sends one. The test checks separately that no listener of ours threw.
const MANGLED_OK = [...SIGNED_OK, 500];

/**
 * `count` requests to Slack's events endpoint, built around `valid(i)` (a well-formed event, fresh each time), signed
 * with `secret` unless the request is about signatures. Few of them are well-formed questions (they get answered);
 * most are refused or ignored, as most hostile traffic should be.
 */
export function* slackRequests(rng: Random, count: number, secret: string, valid: (i: number) => Record<string, unknown>): Generator<HostileRequest> {
  const json = { 'content-type': 'application/json' };
  const signed = (body: Buffer | string, extra: Record<string, string> = {}, timestamp?: number) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    // Slack signs the body as text; Bolt checks the same text, so invalid UTF-8 is signed as it will be decoded.
    return { ...json, ...signSlackRequest(secret, bytes.toString('utf8'), timestamp), ...extra };
  };
  const old = () => Math.floor(Date.now() / 1000) - pick(rng, [301, 600, 86_400, 1_000_000_000]);
  for (let i = 0; i < count; i++) {
    const r = rng();
    const event = valid(i);
    const body = JSON.stringify(event);
    if (r < 0.2) {
      const signature = pick(rng, ['v0=deadbeef', 'v1=' + 'a'.repeat(64), '', 'v0=', 'v0=' + 'z'.repeat(64), '=' + 'x'.repeat(4096), 'v0=é']);
      const headers = { ...signed(body), 'x-slack-signature': signature };
      yield { label: 'bad signature', headers, body: Buffer.from(body), allowed: [401] };
    } else if (r < 0.25) {
      yield { label: 'wrong secret', headers: { ...json, ...signSlackRequest(`${secret}x`, body) }, body: Buffer.from(body), allowed: [401] };
    } else if (r < 0.28) {
      const headers: Record<string, string> = { ...signed(body) };
      delete headers[pick(rng, ['x-slack-signature', 'x-slack-request-timestamp'])];
      yield { label: 'missing signature header', headers, body: Buffer.from(body), allowed: [401] };
    } else if (r < 0.36) {
      // Replayed: a request Slack really signed, sent again long after (or dated in the future).
      const ts = chance(rng, 0.8) ? old() : Math.floor(Date.now() / 1000) + 3600;
      yield { label: 'stale or replayed signature', headers: signed(body, {}, ts), body: Buffer.from(body), allowed: [401] };
    } else if (r < 0.38) {
      const headers = { ...signed(body), 'x-slack-request-timestamp': pick(rng, ['abc', '', '-1', '1e400', '0x10']) };
      yield { label: 'garbage timestamp', headers, body: Buffer.from(body), allowed: [401] };
    } else if (r < 0.48) {
      // JSON that is not an object ('[]', '"x"') is another body Bolt holds for 3 s: rarely.
      const odd = chance(rng, 0.05) ? ['[]', '"x"', '42'] : [];
      const bad = pick(rng, [body.slice(0, int(rng, body.length)), '', '{', 'null', ' null\n', '{"type":', body + '}', '\u0000', ...odd]);
      yield { label: 'bad JSON', headers: signed(bad), body: Buffer.from(bad), allowed: [200, 400, 401, 404] };
    } else if (r < 0.52) {
      const bytes = invalidUtf8(rng);
      yield { label: 'invalid UTF-8', headers: signed(bytes), body: bytes, allowed: SIGNED_OK };
    } else if (r < 0.58) {
      const type = pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'image/png', '']);
      const bytes = Buffer.from(pick(rng, [body, 'payload=' + encodeURIComponent(body), 'payload=%7B', 'payload=null', 'ssl_check=1&payload=' + encodeURIComponent(body), 'a=b&a=c']));
      yield { label: 'wrong content type', headers: signed(bytes, { 'content-type': type }), body: bytes, allowed: SIGNED_OK };
    } else if (r < 0.72) {
      // Bolt holds a body it cannot classify (an unknown envelope type) for 3 s before answering 404: a few suffice.
      const envelope = chance(rng, 0.05) ? { ...event, type: pick(rng, ['app_rate_limited', 'block_actions', 'x'.repeat(300), '__proto__']) } : event;
      const unknown = { ...envelope, event: { ...(event.event as object), type: pick(rng, ['reaction_added', 'team_join', 'channel_rename', 'file_shared', 'tokens_revoked', 'app_uninstalled', 'message.im', 'not_a_type', '']) } };
      const bytes = Buffer.from(JSON.stringify(unknown));
      yield { label: 'unknown event type', headers: signed(bytes), body: bytes, allowed: SIGNED_OK };
    } else if (r < 0.975) {
      // Ignored by design: bot messages, edits and deletions, channel chatter outside any thread.
      const e = event.event as Record<string, unknown>;
      const ignored = pick(rng, [
        { ...e, type: 'message', bot_id: 'B0OTHER', text: hostileText(rng) },
        { ...e, type: 'message', subtype: pick(rng, ['message_changed', 'message_deleted', 'channel_join', 'bot_message']), text: hostileText(rng) },
        { ...e, type: 'message', text: hostileText(rng), thread_ts: undefined, channel_type: 'channel' },
        { ...e, type: 'message', user: 'UBOT', text: hostileText(rng) },
      ]);
      const mangle = chance(rng, 0.5);
      const bytes = Buffer.from(JSON.stringify(mangle ? mutate(rng, { ...event, event: ignored }) : { ...event, event: ignored }));
      yield { label: 'signed event that is not a question', headers: signed(bytes), body: bytes, allowed: mangle ? MANGLED_OK : SIGNED_OK };
    } else {
      // The few that are questions, fields mangled or text hostile: queued and answered, or dropped, never a 5xx.
      const mangle = chance(rng, 0.5);
      const mangled = mangle ? mutate(rng, event) : { ...event, event: { ...(event.event as object), text: `<@UBOT> ${hostileText(rng)}` } };
      const bytes = Buffer.from(JSON.stringify(mangled));
      yield { label: 'malformed or hostile question', headers: signed(bytes), body: bytes, allowed: mangle ? MANGLED_OK : SIGNED_OK };
    }
  }
}

// ---- Discord ----------------------------------------------------------------------------------------------------

/** A gateway dispatch as the fake sends it: event name and raw payload. */
export interface HostileDispatch {
  label: string;
  t: string;
  d: unknown;
}

/**
 * `count` dispatches built around a well-formed MESSAGE_CREATE / INTERACTION_CREATE: fields missing or junk, huge or
 * hostile content, unknown types. Few summon the bot (those get answered); most are chatter or broken.
 */
export function* discordDispatches(
  rng: Random,
  count: number,
  valid: { message: (i: number) => Record<string, unknown>; interaction: (i: number) => Record<string, unknown>; botId: string },
): Generator<HostileDispatch> {
  for (let i = 0; i < count; i++) {
    const r = rng();
    const message = valid.message(i);
    if (r < 0.35) {
      yield { label: 'message with junk fields', t: 'MESSAGE_CREATE', d: mutate(rng, { ...message, content: hostileText(rng) }) };
    } else if (r < 0.55) {
      const content = pick(rng, [hostileText(rng), 'x'.repeat(int(rng, 200_000)), '@everyone @here', '<@&0> <@!0> <#0> <t:99999999999999:R> </x:0>']);
      yield { label: 'chatter, odd content', t: 'MESSAGE_CREATE', d: { ...message, content } };
    } else if (r < 0.65) {
      yield { label: 'message of unknown type', t: 'MESSAGE_CREATE', d: { ...message, type: pick(rng, [7, 19, 46, 255, -1, 'x']), content: hostileText(rng) } };
    } else if (r < 0.75) {
      const author = { ...(message.author as object), bot: chance(rng, 0.5), system: chance(rng, 0.5) };
      yield { label: 'bot, webhook or system message', t: 'MESSAGE_CREATE', d: { ...message, author, webhook_id: chance(rng, 0.5) ? '1' : undefined, content: `<@${valid.botId}> ${hostileText(rng)}` } };
    } else if (r < 0.9) {
      yield { label: 'interaction with junk fields', t: 'INTERACTION_CREATE', d: mutate(rng, valid.interaction(i)) };
    } else if (r < 0.97) {
      const t = pick(rng, ['MESSAGE_UPDATE', 'MESSAGE_DELETE', 'TYPING_START', 'THREAD_CREATE', 'CHANNEL_UPDATE', 'GUILD_MEMBER_ADD', 'NOT_AN_EVENT', 'MESSAGE_REACTION_ADD']);
      yield { label: 'other or unknown event', t, d: chance(rng, 0.5) ? mutate(rng, message) : randomJson(rng) };
    } else {
      const content = `<@${valid.botId}> ${hostileText(rng)}`;
      yield { label: 'hostile question', t: 'MESSAGE_CREATE', d: chance(rng, 0.3) ? mutate(rng, { ...message, content }, 1) : { ...message, content } };
    }
  }
}

// ---- HTTP API ---------------------------------------------------------------------------------------------------

export interface HostileApiRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  allowed: readonly number[];
}

/**
 * `count` requests to the HTTP API: bad and revoked-looking keys, bad JSON, wrong content types, bodies over the
 * limit, junk paths. A few are well-formed questions with hostile text, from `validKey`.
 */
export function* apiRequests(rng: Random, count: number, validKey: string, maxBodyBytes: number): Generator<HostileApiRequest> {
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const json = { 'content-type': 'application/json' };
  const badKeys = [
    '',
    'Bearer',
    `${validKey}x`,
    validKey.slice(0, -1) + (validKey.endsWith('A') ? 'B' : 'A'),
    'xlk_000000000000_' + 'A'.repeat(43),
    'xlk_\t\t\t',
    "' or 1=1 --",
    'k'.repeat(8000),
  ];
  for (let i = 0; i < count; i++) {
    const r = rng();
    const message = { message: hostileText(rng) || 'hi' };
    if (r < 0.25) {
      const key = pick(rng, badKeys);
      const headers = chance(rng, 0.2) ? { authorization: pick(rng, ['Basic abc', key, 'Bearer  ', `bearer ${key}`]) } : auth(key);
      yield { label: 'bad key', method: 'POST', path: '/v1/chat', headers: { ...json, ...headers }, body: Buffer.from(JSON.stringify(message)), allowed: [401] };
    } else if (r < 0.45) {
      const bad = pick(rng, ['', '{', '{"message":', 'null', '[]', '"text"', '{"message": "a"}}', '\u0000', '{"message": "\\ud800"']);
      yield { label: 'bad JSON', method: 'POST', path: '/v1/chat', headers: { ...json, ...auth(validKey) }, body: Buffer.from(bad), allowed: [400] };
    } else if (r < 0.55) {
      const body = mutate(rng, { message: 'what?', conversation_id: '00000000-0000-0000-0000-000000000000' });
      // A junk field either fails validation, names a conversation that is not theirs (404) or is a question after all.
      yield { label: 'junk fields', method: 'POST', path: '/v1/chat', headers: { ...json, ...auth(validKey) }, body: Buffer.from(JSON.stringify(body)), allowed: [200, 400, 404, 413] };
    } else if (r < 0.7) {
      const type = pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '']);
      // multipart/form-data is a type /v1/chat takes (files): JSON sent as it is a malformed multipart body, a 400.
      const allowed = type.startsWith('multipart/') ? [400, 413] : [413, 415];
      yield { label: 'wrong content type', method: 'POST', path: '/v1/chat', headers: { 'content-type': type, ...auth(validKey) }, body: Buffer.from(JSON.stringify(message)), allowed };
    } else if (r < 0.73) {
      const body = Buffer.from(JSON.stringify({ message: 'x'.repeat(maxBodyBytes + int(rng, 4 * maxBodyBytes)) }));
      yield { label: 'body over the limit', method: 'POST', path: '/v1/chat', headers: { ...json, ...auth(validKey) }, body, allowed: [413] };
    } else if (r < 0.75) {
      const bytes = invalidUtf8(rng);
      yield { label: 'invalid UTF-8', method: 'POST', path: '/v1/chat', headers: { ...json, ...auth(validKey) }, body: bytes, allowed: [400] };
    } else if (r < 0.98) {
      const id = pick(rng, ['%', '%ZZ', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(2000), '00000000-0000-0000-0000-000000000000', "1' or '1'='1", '%00', '%F0%9F%98%80']);
      const [method, path] = pick(rng, [
        ['GET', `/v1/conversations/${id}`],
        ['DELETE', `/v1/conversations/${id}`],
        ['GET', `/v1/files/${id}`],
        ['PUT', '/v1/chat'],
        ['GET', `/v1/${id}`],
        ['OPTIONS', '/v1/chat'],
      ] as const);
      const headers = chance(rng, 0.7) ? auth(validKey) : auth(pick(rng, badKeys));
      yield { label: 'odd path or method', method, path, headers, allowed: [200, 204, 400, 401, 404] };
    } else {
      yield { label: 'hostile question', method: 'POST', path: '/v1/chat', headers: { ...json, ...auth(validKey) }, body: Buffer.from(JSON.stringify(message)), allowed: [200, 400, 413] };
    }
  }
}
