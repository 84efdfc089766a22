import { describe, expect, it } from 'vitest';
import { formatReport } from './bench/bench-report.js';

const pcts = (p50: number, p99: number) => ({ p50, p99, max: p99 + 1 });
const feel = (first: number, complete: number) => ({ asked: 2000, complete: 2000, firstSignMs: pcts(first, first * 2), completeMs: pcts(complete, complete * 2) });
const health = (rss: number) => ({ lagP99Ms: { median: 12, max: 40 }, rssMBMax: rss, heapMBMax: rss / 2 });

describe('the bench table', () => {
  it('shows what people feel, for Xiaoliu and the naive bot side by side: first sign, complete answer, ack, CPU, RSS', () => {
    const run = (first: number, complete: number, cpu: Record<string, number>, rss: number) => ({
      mentions: 2000,
      rate: 100,
      channels: 400,
      ackMs: pcts(3, 9),
      non200: 0,
      feel: feel(first, complete),
      cpuMsPerAnswer: cpu,
      answeringProcess: health(rss),
      gatewayProcess: health(90),
      rateLimited: { slack: 0, discord: 0 },
      slackCallsPerAnswer: { 'chat.postMessage': 1, 'chat.update': 1 },
    });
    const table = formatReport({
      when: '2026-12-03T12:00:00.000Z',
      node: 'v20',
      options: {},
      baseline: true,
      results: {
        feel: {
          xiaoliu: run(150, 2300, { gateway: 0.5, worker: 2, postgres: 0.4, redis: 0.1, fakes: 1, driver: 0.2 }, 210),
          naive: run(2100, 2100, { naive: 1.1, fakes: 1, driver: 0.2 }, 120),
        },
      },
    });
    const row = (label: string) => table.split('\n').find((line) => line.includes(label)) ?? '';
    expect(row('2000 mentions at 100/s, model 2 s, defaults: first sign ms p50/p99')).toMatch(/\| 150 \/ 300 +\| 2100 \/ 4200 /);
    expect(row('complete answer ms p50/p99')).toMatch(/2300 \/ 4600 \(2000\/2000\) +\| 2100 \/ 4200 \(2000\/2000\)/);
    expect(row('Slack ack ms')).toContain('3 / 9 / 10, 0');
    expect(row('CPU ms per answer')).toMatch(/gw 0.5 \+ wk 2 \+ pg 0.4 \+ redis 0.1.*naive 1.1/);
    expect(row('RSS MB max')).toMatch(/210 \/ 90 +\| 120/);
  });
});
