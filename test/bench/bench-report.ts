/** The bench's table: one row per figure, Xiaoliu and the naive baseline side by side, with the target. */
import type { Feel } from './answer-watch.js';

type Pcts = { p50: number; p99: number; max: number };
type Limits = { slack: number; discord: number };
type Cpu = Record<string, number>;
type Health = { lagP99Ms: { median: number; max: number }; rssMBMax: number };

interface Ack {
  offeredRate: { slack: number; discord: number };
  workspaces: number;
  feel: { slack: Feel; discord?: Feel };
  slackAckMs: Pcts;
  slackNon200: number;
  discordQueuedMs?: Pcts;
  overheadMs: { slack: Pcts; discord?: Pcts };
  answered: number;
  events: { slack: number; discord: number };
  rateLimited: Limits;
  ingressProcess: Health;
  cpuMsPerEvent: Cpu;
}
interface Overhead {
  conversations: number;
  feel: Feel;
  peakOpenModelRequests: number;
  overheadMs: Pcts & { samples: number };
  overheadSplitMs?: Record<string, Pcts>;
  answeringProcess: Health;
  rateLimited: Limits;
}
interface Throughput {
  answersPerSecond: number;
  slackCallsPerAnswer?: Record<string, number>;
  feel: Feel;
  completed: number;
  messages: number;
  rateLimited: Limits;
  answeringProcess: Health;
  cpuMsPerAnswer: Cpu;
}
interface Streams {
  streams: number;
  slackCallsPerAnswer?: Record<string, number>;
  feel: Feel;
  cpuMsPerAnswer: Cpu;
  peakOpenModelRequests: number;
  plateauSeconds: number;
  plateau?: Health;
  whole: Health;
  answered: number;
  rateLimited: Limits;
}

interface FeelRun {
  mentions: number;
  rate: number;
  channels: number;
  ackMs: Pcts;
  non200: number;
  feel: Feel;
  cpuMsPerAnswer: Cpu;
  answeringProcess: Health;
  gatewayProcess?: Health;
  rateLimited: Limits;
  slackCallsPerAnswer?: Record<string, number>;
}

interface Workspace {
  rate: number;
  seconds: number;
  ackMs: Pcts;
  feel: Feel;
  rateLimited: Limits;
}

export interface Report {
  when: string;
  node: string;
  options: Record<string, string>;
  baseline: boolean;
  results: Record<string, { xiaoliu: unknown; naive?: unknown }>;
}

const ms = (p: Pcts | undefined) => (p ? `${p.p50} / ${p.p99} / ${p.max}` : '—');
const ms2 = (p: Pcts | undefined) => (p ? `${p.p50} / ${p.p99}` : '—');
/** How many times better Xiaoliu is: lower-is-better figures divide naive by Xiaoliu, higher-is-better the reverse. */
const ratio = (ours: number | undefined, theirs: number | undefined, higherIsBetter = false) => {
  if (ours === undefined || theirs === undefined || !ours || !theirs) return '—';
  const r = higherIsBetter ? ours / theirs : theirs / ours;
  return `${r >= 10 ? Math.round(r) : r.toFixed(2)}×`;
};

export function formatReport(report: Report): string {
  const rows: string[][] = [['figure', 'target', 'Xiaoliu', 'naive', 'Xiaoliu better by']];
  const r = report.results;
  const limits = (l: Limits | undefined) => (l ? `${l.slack} / ${l.discord}` : '—');
  if (r.feel) {
    const x = r.feel.xiaoliu as FeelRun;
    const n = r.feel.naive as FeelRun | undefined;
    const label = `${x.mentions} mentions at ${x.rate}/s, model 2 s, defaults`;
    rows.push([`${label}: first sign ms p50/p99`, 'p99 ≤ 1,000', ms2(x.feel.firstSignMs), n ? ms2(n.feel.firstSignMs) : '—', ratio(x.feel.firstSignMs.p99, n?.feel.firstSignMs.p99)]);
    const complete = (f: Feel) => `${ms2(f.completeMs)} (${f.complete}/${f.asked})`;
    rows.push(['  complete answer ms p50/p99 (seen/asked)', 'p99 ≤ 3,000', complete(x.feel), n ? complete(n.feel) : '—', ratio(x.feel.completeMs.p99, n?.feel.completeMs.p99)]);
    rows.push(['  Slack ack ms p50/p99/max, non-200', 'p99 ≤ 50', `${ms(x.ackMs)}, ${x.non200}`, n ? `${ms(n.ackMs)}, ${n.non200}` : '—', ratio(x.ackMs.p99, n?.ackMs.p99)]);
    rows.push(['  CPU ms per answer', '≤ 3', cpu(x.cpuMsPerAnswer), cpu(n?.cpuMsPerAnswer), '—']);
    rows.push(['  RSS MB max: worker (naive) / gateway', '≤ 300', `${x.answeringProcess.rssMBMax} / ${x.gatewayProcess?.rssMBMax ?? '—'}`, n ? `${n.answeringProcess.rssMBMax}` : '—', '—']);
    rows.push(['  Slack calls per answer, 429s Slack / Discord', '0', `${calls(x.slackCallsPerAnswer)}; ${limits(x.rateLimited)}`, n ? `${calls(n.slackCallsPerAnswer)}; ${limits(n.rateLimited)}` : '—', '—']);
  }
  if (r.ack) {
    const x = r.ack.xiaoliu as Ack;
    const n = r.ack.naive as Ack | undefined;
    const rate = x.offeredRate.slack + x.offeredRate.discord;
    rows.push([`Slack ack ms p50/p99/max (${rate}/s total, ${x.workspaces} workspaces)`, 'p99 ≤ 20', ms(x.slackAckMs), ms(n?.slackAckMs), ratio(x.slackAckMs.p99, n?.slackAckMs.p99)]);
    rows.push(['Discord event → queued ms p50/p99/max', 'p99 ≤ 20', ms(x.discordQueuedMs), '—', '—']);
    rows.push(...feelRows('Slack', x.feel.slack, n?.feel.slack));
    if (x.feel.discord) rows.push(...feelRows(`Discord (${x.offeredRate.discord}/s)`, x.feel.discord, undefined));
    rows.push(['overhead ms p50/p99 at that rate (Slack)', '', ms2(x.overheadMs.slack), ms2(n?.overheadMs.slack), '—']);
    rows.push(['answered / events, non-200 acks', 'all', `${x.answered} / ${x.events.slack + x.events.discord}, ${x.slackNon200}`, n ? `${n.answered} / ${n.events.slack}, ${n.slackNon200}` : '—', '—']);
    rows.push(['ingress process lag p99 ms (max s), RSS MB', '', health(x.ingressProcess), health(n?.ingressProcess), '—']);
    rows.push(['429s Slack / Discord (ack run)', '0', limits(x.rateLimited), limits(n?.rateLimited), '—']);
    rows.push(['CPU ms per event (ack run)', '', cpu(x.cpuMsPerEvent), cpu(n?.cpuMsPerEvent), '—']);
  }
  if (r.overhead) {
    const x = r.overhead.xiaoliu as Overhead;
    const n = r.overhead.naive as Overhead | undefined;
    rows.push([
      `overhead ms p50/p99, ${x.conversations} conversations`,
      '≤ 10 / ≤ 50',
      `${ms2(x.overheadMs)} (n=${x.overheadMs.samples}, ${x.peakOpenModelRequests} open)`,
      n ? `${ms2(n.overheadMs)} (n=${n.overheadMs.samples})` : '—',
      ratio(x.overheadMs.p50, n?.overheadMs.p50),
    ]);
    if (x.overheadSplitMs) {
      const parts = Object.entries(x.overheadSplitMs).map(([name, p]) => `${name} ${ms2(p)}`);
      rows.push(['  of which (p50 / p99)', '', parts.join('; '), '—', '—']);
    }
    rows.push(...feelRows('overhead run', x.feel, n?.feel));
    rows.push(['answering process lag p99 ms (max s), RSS MB', '', health(x.answeringProcess), health(n?.answeringProcess), '—']);
    rows.push(['429s Slack / Discord (overhead run)', '0', limits(x.rateLimited), limits(n?.rateLimited), '—']);
  }
  if (r.throughput) {
    const x = r.throughput.xiaoliu as Throughput;
    const n = r.throughput.naive as Throughput | undefined;
    rows.push([
      'answers/s, model at 0 ms',
      '≥ 500',
      `${x.answersPerSecond} (${x.completed}/${x.messages})`,
      n ? `${n.answersPerSecond} (${n.completed}/${n.messages})` : '—',
      ratio(x.answersPerSecond, n?.answersPerSecond, true),
    ]);
    rows.push(...feelRows('throughput run', x.feel, n?.feel));
    rows.push(['answering process lag p99 ms (max s), RSS MB', '', health(x.answeringProcess), health(n?.answeringProcess), '—']);
    rows.push(['429s Slack / Discord (throughput run)', '0', limits(x.rateLimited), limits(n?.rateLimited), '—']);
    rows.push(['CPU ms per answer (throughput run)', '', cpu(x.cpuMsPerAnswer), cpu(n?.cpuMsPerAnswer), '—']);
    rows.push(['Slack calls per answer (throughput run)', '', calls(x.slackCallsPerAnswer), calls(n?.slackCallsPerAnswer), '—']);
  }
  if (r.streams) {
    const x = r.streams.xiaoliu as Streams;
    const n = r.streams.naive as Streams | undefined;
    rows.push([`concurrent streams in one process (of ${x.streams})`, `${x.streams}`, `${x.peakOpenModelRequests}`, n ? `${n.peakOpenModelRequests}` : '—', '—']);
    rows.push([
      'lag p99 ms (median / max s) while streaming',
      '< 50',
      x.plateau ? `${x.plateau.lagP99Ms.median} / ${x.plateau.lagP99Ms.max}` : 'no plateau',
      n?.plateau ? `${n.plateau.lagP99Ms.median} / ${n.plateau.lagP99Ms.max}` : '—',
      ratio(x.plateau?.lagP99Ms.median, n?.plateau?.lagP99Ms.median),
    ]);
    rows.push(['RSS MB (max while streaming)', '< 400', `${x.whole.rssMBMax}`, n ? `${n.whole.rssMBMax}` : '—', ratio(x.whole.rssMBMax, n?.whole.rssMBMax)]);
    rows.push(...feelRows('streams run', x.feel, n?.feel));
    rows.push(['answered, 429s Slack / Discord (streams run)', '0', `${x.answered}, ${limits(x.rateLimited)}`, n ? `${n.answered}, ${limits(n.rateLimited)}` : '—', '—']);
    rows.push(['CPU ms per answer (streams run)', '', cpu(x.cpuMsPerAnswer), cpu(n?.cpuMsPerAnswer), '—']);
    rows.push(['Slack calls per answer (streams run)', '', calls(x.slackCallsPerAnswer), calls(n?.slackCallsPerAnswer), '—']);
  }
  if (r.workspace) {
    const x = r.workspace.xiaoliu as Workspace;
    const n = r.workspace.naive as Workspace | undefined;
    rows.push([`one workspace, ${x.rate}/s for ${x.seconds} s: ack ms p50/p99/max`, '', ms(x.ackMs), ms(n?.ackMs), '—']);
    rows.push(...feelRows('one workspace', x.feel, n?.feel));
    rows.push(['  complete answer ms, max', '', `${x.feel.completeMs.max}`, n ? `${n.feel.completeMs.max}` : '—', '—']);
    // No CPU per answer here: at this trickle the processes' idle work (polling, metrics) outweighs the answers.
    rows.push(['429s Slack / Discord (one workspace)', '0', limits(x.rateLimited), limits(n?.rateLimited), '—']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    '',
    `Xiaoliu benchmark, ${report.when}, Node ${report.node}; fakes, gateway, worker, naive bot and driver in separate processes on this machine`,
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
    'lag p99 as prom-client reports it (includes its 10 ms sampling interval); ratios: naive ÷ Xiaoliu for times, Xiaoliu ÷ naive for rates.',
    'first sign: question sent → thread status, placeholder, stream or (Discord) thread/typing; complete: → the whole answer on screen (seen / asked).',
    'The naive bot answers with one non-streaming model call and one post, with no queue, database or pacing: its acks wait for the model, and in the streams run it holds requests open but streams nothing.',
  ].join('\n');
}

/** CPU per event by process: gateway / worker (or naive), then the fakes and the driver that share the machine. */
function cpu(c: Cpu | undefined): string {
  if (!c) return '—';
  const roles = c.start !== undefined ? `npm start ${c.start}` : `gw ${c.gateway} + wk ${c.worker}`;
  const ours = c.naive !== undefined ? `naive ${c.naive}` : `${roles} + pg ${c.postgres} + redis ${c.redis}`;
  return `${ours}; fakes ${c.fakes}, driver ${c.driver}`;
}

function health(h: Health | undefined): string {
  return h ? `${h.lagP99Ms.median} (${h.lagP99Ms.max}), ${h.rssMBMax}` : '—';
}

/** What the askers felt: time to the first sign of an answer, and to the whole answer. */
function feelRows(label: string, x: Feel, n: Feel | undefined): string[][] {
  const complete = (f: Feel) => `${ms2(f.completeMs)} (${f.complete}/${f.asked})`;
  return [
    [`  ${label}: first sign ms p50/p99`, '', ms2(x.firstSignMs), n ? ms2(n.firstSignMs) : '—', ratio(x.firstSignMs.p50, n?.firstSignMs.p50)],
    [`  ${label}: complete answer ms p50/p99`, '', complete(x), n ? complete(n) : '—', ratio(x.completeMs.p50, n?.completeMs.p50)],
  ];
}

/** Web API calls per answer by method, without the `chat.` / `assistant.threads.` prefixes. */
function calls(c: Record<string, number> | undefined): string {
  if (!c) return '—';
  return Object.entries(c).map(([method, n]) => `${method.replace(/^(chat|assistant\.threads)\./, '')} ${n}`).join(', ') || '—';
}
