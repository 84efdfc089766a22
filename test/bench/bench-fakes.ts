/*
 * The fakes the bench drives, each kind in a process of its own (forked by bench.ts, answering over IPC):
 *   node --import tsx test/bench/bench-fakes.ts model       the fake Anthropic API
 *   node --import tsx test/bench/bench-fakes.ts platforms   the fake Slack (Web API) and fake Discord (REST + gateway)
 * Both enforce what the real services do (Slack's limits per method and workspace, Discord's per route and per bot,
 * answering 429 past them); this file only adds what the bench must observe: when each question reaches the model,
 * and what the asker sees of its answer (answer-watch.ts).
 */
import type { FakeCall } from '../fakes/fake-discord-http.js';
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/fake-slack.js';
import { answerEnd, discordKey, END_MARKER, slackKey, type Seen } from './answer-watch.js';
import { teamOfChannel } from './bench-workspaces.js';
import { serveRpc } from './bench-rpc.js';

/** Every question the bench sends carries a token like `bq-s-42`, so its model request can be matched to it. */
export const TOKEN = /\bbq-[a-z0-9-]+\b/;

export interface ModelTiming {
  firstTokenDelayMs: number;
  tokensPerSecond: number;
  /** Words in each answer (the fake streams one token per word). */
  answerWords: number;
}


const role = process.argv[2];
if (role === 'model') serveModel();
else if (role === 'platforms') servePlatforms();
else throw new Error(`bench-fakes: role must be "model" or "platforms", not ${role}`);

function serveModel(): void {
  let model: FakeAnthropic | undefined;
  let answer = '';
  let arrivals: [string, number][] = [];
  let peak = 0;
  const setAnswer = (words: number) => (answer = Array.from({ length: words }, (_, i) => `word${i}`).join(' '));
  serveRpc({
    async start(timing: ModelTiming) {
      setAnswer(timing.answerWords);
      model = await startFakeAnthropic({
        firstTokenDelayMs: timing.firstTokenDelayMs,
        tokensPerSecond: timing.tokensPerSecond,
        reply: (request) => {
          // Called as the request arrives (body read), before any answer is sent.
          const at = Date.now();
          const token = TOKEN.exec(lastUserText(request.body))?.[0];
          if (token) arrivals.push([token, at]);
          model!.requests.length = 0; // the fake keeps every request; the bench needs only the arrival times
          // The last word names the question, so the platforms can tell when its whole answer is on screen.
          return { kind: 'text', text: token ? `${answer} ${answerEnd(token)}` : answer };
        },
      });
      // Streams open at once, sampled often enough to catch the plateau.
      setInterval(() => (peak = Math.max(peak, model!.activeStreams())), 20).unref();
      return { url: model.url };
    },
    setTiming(timing: ModelTiming) {
      setAnswer(timing.answerWords);
      model!.setTiming(timing);
    },
    /** Arrival times ([token, epoch ms]) since the last call. */
    takeArrivals() {
      const taken = arrivals;
      arrivals = [];
      return taken;
    },
    /** Model requests open now, and the most open at once since the last call. */
    streams() {
      const result = { now: model!.activeStreams(), peak };
      peak = result.now;
      return result;
    },
  });
}

function servePlatforms(): void {
  let slack: FakeSlack | undefined;
  let discord: FakeDiscord | undefined;
  let seen: Seen[] = [];
  /** Slack Web API calls answered 200, by method, since start: what an answer costs in calls. */
  const slackCalls: Record<string, number> = {};
  serveRpc({
    async start({ discordChannels }: { discordChannels: number }) {
      // Each bench channel names its workspace (bench-workspaces.ts), which Slack's limits are counted per.
      slack = await startFakeSlack({ botToken: 'xoxb-bench', teamOf: teamOfChannel });
      discord = await startFakeDiscord({
        guilds: [{ channels: Array.from({ length: discordChannels }, (_, i) => ({ name: `bench-${i}` })) }],
      });
      // What people see is noted as it happens; the call logs themselves are dropped so memory stays flat.
      setInterval(() => {
        for (const call of slack!.calls) {
          seen.push(...seenInSlack(call));
          if (call.status === 200) slackCalls[call.method] = (slackCalls[call.method] ?? 0) + 1;
        }
        slack!.calls.length = 0;
        // A Discord call still being answered (status 0) is looked at next time.
        const answering = discord!.calls.filter((call) => call.status === 0);
        for (const call of discord!.calls) if (call.status !== 0) seen.push(...seenInDiscord(call));
        discord!.calls.splice(0, Infinity, ...answering);
      }, 5).unref();
      return {
        slackApiUrl: slack.apiUrl,
        discordRestUrl: discord.restUrl,
        discordToken: discord.token,
        discordBotId: discord.botUser.id,
      };
    },
    /** Sends `count` Discord mentions at `rate` per second over the guild's channels; returns when each was sent. */
    async discordSend({ count, rate, tag }: { count: number; rate: number; tag: string }) {
      const author = discord!.addUser({ username: 'bench', global_name: 'Bench' });
      const channels = discord!.guilds[0]!.channelIds;
      const sent: { id: string; at: number }[] = [];
      const started = Date.now();
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const at = Date.now();
        const message = discord!.sendMessage({
          channelId: channels[i % channels.length]!,
          author,
          content: `<@${discord!.botUser.id}> bq-${tag}-${i} what is the answer?`,
        });
        sent.push({ id: message.id, at });
      }
      return sent;
    },
    /** What the platforms showed since the last call: signs of an answer coming, and complete answers. */
    takeSeen() {
      const taken = seen;
      seen = [];
      return taken;
    },
    stats() {
      return { slack429: slack!.count429, discord429: discord!.count429, slackCalls: { ...slackCalls } };
    },
  });
}

/** Slack calls that show something in a thread: a status, a new message or stream, and the one carrying an answer's end. */
function seenInSlack(call: SlackCall): Seen[] {
  if (call.status !== 200 || !call.ok) return [];
  const { args, at } = call;
  const seen: Seen[] = [];
  if (call.method === 'assistant.threads.setStatus' && args.status) seen.push({ kind: 'sign', key: slackKey(args.channel_id, args.thread_ts), at });
  if ((call.method === 'chat.postMessage' || call.method === 'chat.startStream') && args.thread_ts) {
    seen.push({ kind: 'sign', key: slackKey(args.channel, args.thread_ts), at });
  }
  if (['chat.postMessage', 'chat.update', 'chat.appendStream', 'chat.stopStream'].includes(call.method)) {
    const chunks = Array.isArray(args.chunks) ? args.chunks.map((c: { text?: unknown }) => String(c?.text ?? '')) : [];
    const token = END_MARKER.exec([args.text, args.markdown_text, ...chunks].join(' '))?.[1];
    if (token) seen.push({ kind: 'done', key: token, at });
  }
  return seen;
}

/** Discord calls that show something: the thread opened on a question, typing, a message, and an answer's end. */
function seenInDiscord(call: FakeCall): Seen[] {
  if (call.status < 200 || call.status > 299) return [];
  const { path, at } = call;
  const seen: Seen[] = [];
  const thread = /^\/channels\/\d+\/messages\/(\d+)\/threads$/.exec(path)?.[1] ?? /^\/channels\/(\d+)\/(typing|messages)$/.exec(path)?.[1];
  if (call.method === 'POST' && thread) seen.push({ kind: 'sign', key: discordKey(thread), at });
  if ((call.method === 'POST' || call.method === 'PATCH') && /^\/channels\/\d+\/messages/.test(path)) {
    const token = END_MARKER.exec(String(call.body?.content ?? ''))?.[1];
    if (token) seen.push({ kind: 'done', key: token, at });
  }
  return seen;
}
