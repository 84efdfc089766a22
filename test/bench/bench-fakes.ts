/*
 * The fakes the bench drives, each kind in a process of its own (forked by bench.ts, answering over IPC):
 *   node --import tsx test/bench/bench-fakes.ts model       the fake Anthropic API
 *   node --import tsx test/bench/bench-fakes.ts platforms   the fake Slack (Web API) and fake Discord (REST + gateway)
 * Both enforce what the real services do (Slack's and Discord's per-channel limits, answering 429 past them); this
 * file only adds what the bench must observe: when each question reaches the model, when each answer is finished.
 */
import { lastUserText } from '../fakes/fake-anthropic-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { serveRpc } from './bench-rpc.js';

/** Every question the bench sends carries a token like `bq-s-42`, so its model request can be matched to it. */
export const TOKEN = /\bbq-[a-z0-9-]+\b/;

export interface ModelTiming {
  firstTokenDelayMs: number;
  tokensPerSecond: number;
  /** Words in each answer (the fake streams one token per word). */
  answerWords: number;
}

export interface DoneCall {
  method: string;
  channel: string;
  at: number;
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
          return { kind: 'text', text: answer };
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
  let done: DoneCall[] = [];
  serveRpc({
    async start({ discordChannels }: { discordChannels: number }) {
      slack = await startFakeSlack({ botToken: 'xoxb-bench' });
      discord = await startFakeDiscord({
        guilds: [{ channels: Array.from({ length: discordChannels }, (_, i) => ({ name: `bench-${i}` })) }],
      });
      // Finished answers are noted as they happen; the call logs themselves are dropped so memory stays flat.
      setInterval(() => {
        for (const call of slack!.calls) {
          if (call.method === 'chat.stopStream' || call.method === 'chat.postMessage') {
            done.push({ method: call.method, channel: String(call.args.channel), at: call.at });
          }
        }
        slack!.calls.length = 0;
        discord!.calls.length = 0;
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
    /** Slack answers finished (chat.stopStream, or chat.postMessage for the naive bot) since the last call. */
    takeDone() {
      const taken = done;
      done = [];
      return taken;
    },
    stats() {
      return { slack429: slack!.count429, discord429: discord!.count429 };
    },
  });
}
