import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from '../log/create-logger.js';

/** What bounds the answers one worker process takes at once. */
export interface GovernorSettings {
  /** Never more than this (WORKER_CONCURRENCY). */
  ceiling: number;
  /** The event loop's p99 delay past which the worker takes fewer (WORKER_MAX_LAG_MS). */
  maxLagMs: number;
  /** The share of V8's heap limit past which the worker takes fewer. */
  maxHeapShare: number;
}

/** One look at the process: how late the event loop ran, how full the heap is, how many answers are in flight. */
export interface LoadSample {
  lagMs: number;
  heapShare: number;
  busy: number;
}

/** The BullMQ worker, whose `concurrency` may be changed while it runs. */
export interface Governed {
  concurrency: number;
}

/** How often the governor looks: often enough that a burst is met within a second. */
const TICK_MS = 250;
/** Never fewer than this: a process so loaded it cannot run ten answers needs more processes, not fewer answers. */
const FLOOR = 10;
/** A change is logged at most this often, so a struggling process does not also flood its log. */
const LOG_EVERY_MS = 30_000;

/**
 * The next limit of answers in flight: shrinks (×¾) while the event loop lags (two looks running) or the heap fills,
 * since then each more answer slows all the others, and acks to Slack with them; grows back fast (×2) once healthy,
 * since nearly every answer is waiting on the network.
 */
export function nextConcurrency(
  current: number,
  sample: LoadSample,
  settings: GovernorSettings,
  /** Whether the look before this one saw the event loop lag too: one slow quarter second is a burst of work, not load. */
  laggedBefore = true,
): { next: number; reason?: string } {
  const floor = Math.min(FLOOR, settings.ceiling);
  // Lag while few answers run is not theirs to fix (start-up, a neighbour on the machine): taking fewer would not help.
  if (sample.lagMs > settings.maxLagMs && laggedBefore && sample.busy >= floor) {
    return { next: Math.max(floor, Math.floor(current * 0.75)), reason: `event loop lag p99 ${Math.round(sample.lagMs)} ms > WORKER_MAX_LAG_MS ${settings.maxLagMs}` };
  }
  if (sample.heapShare > settings.maxHeapShare) {
    return { next: Math.max(floor, Math.floor(current * 0.75)), reason: `heap ${Math.round(sample.heapShare * 100)}% of its limit` };
  }
  if (sample.lagMs <= settings.maxLagMs) return { next: Math.min(settings.ceiling, current * 2) };
  return { next: current };
}

export interface RunningGovernor {
  /** Looks once, now (the timer does this every TICK_MS). */
  tick(sample?: LoadSample): void;
  stop(): void;
}

/**
 * Sets `target.concurrency` from the process's own load, every TICK_MS, between FLOOR and the ceiling. The
 * organisation's Anthropic limits are not counted here: calls wait for them in the Claude client (OrgRateLimit), and
 * an answer waiting there costs the process almost nothing.
 */
export function governConcurrency(
  target: Governed,
  settings: GovernorSettings,
  busy: () => number,
  log: Logger,
  onChange: (concurrency: number) => void = () => {},
): RunningGovernor {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const heapLimit = getHeapStatistics().heap_size_limit;
  let loggedAt = -Infinity;
  let lagged = false;
  // It starts at the ceiling: BullMQ sees a raised limit only when a job ends, too late for a burst that has just
  // filled a lower one (its fetch loop waits for a running job to finish once the limit is reached).
  target.concurrency = settings.ceiling;
  onChange(target.concurrency);

  const tick = (sample?: LoadSample) => {
    const seen = sample ?? { lagMs: lag.percentile(99) / 1e6, heapShare: process.memoryUsage().heapUsed / heapLimit, busy: busy() };
    lag.reset();
    const current = target.concurrency;
    const { next, reason } = nextConcurrency(current, seen, settings, lagged);
    lagged = seen.lagMs > settings.maxLagMs;
    if (next === current) return;
    target.concurrency = next;
    onChange(next);
    if (reason && performance.now() - loggedAt > LOG_EVERY_MS) {
      loggedAt = performance.now();
      log.warn({ from: current, to: next, busy: seen.busy }, `worker overloaded (${reason}): taking fewer answers at once; add worker processes if this persists`);
    }
  };
  const timer = setInterval(() => tick(), TICK_MS);
  timer.unref();
  return {
    tick,
    stop() {
      clearInterval(timer);
      lag.disable();
    },
  };
}
