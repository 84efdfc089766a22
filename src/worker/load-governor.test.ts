import { describe, expect, it } from 'vitest';
import { governConcurrency, nextConcurrency, type LoadSample } from './load-governor.js';
import { silentLogger } from '../../test/support/silent-logger.js';

const settings = { ceiling: 1000, maxLagMs: 50, maxHeapShare: 0.8 };
const healthy = (busy: number): LoadSample => ({ lagMs: 5, heapShare: 0.2, busy });

describe('the load governor', () => {
  it('grows back fast once healthy, up to WORKER_CONCURRENCY', () => {
    expect(nextConcurrency(100, healthy(100), settings)).toEqual({ next: 200 });
    expect(nextConcurrency(800, healthy(20), settings)).toEqual({ next: 1000 });
    expect(nextConcurrency(1000, healthy(1000), settings)).toEqual({ next: 1000 });
  });

  it('takes fewer while the event loop lags or the heap fills, never below ten, and says why', () => {
    // One lagging look is a burst of work; lag while few answers run is not theirs.
    expect(nextConcurrency(400, { lagMs: 120, heapShare: 0.2, busy: 400 }, settings, false)).toEqual({ next: 400 });
    expect(nextConcurrency(400, { lagMs: 120, heapShare: 0.2, busy: 3 }, settings)).toEqual({ next: 400 });
    const lagging = nextConcurrency(400, { lagMs: 120, heapShare: 0.2, busy: 400 }, settings);
    expect(lagging.next).toBe(300);
    expect(lagging.reason).toMatch(/lag p99 120 ms > WORKER_MAX_LAG_MS 50/);
    expect(nextConcurrency(400, { lagMs: 5, heapShare: 0.9, busy: 400 }, settings)).toMatchObject({ next: 300, reason: expect.stringMatching(/heap 90%/) });
    expect(nextConcurrency(12, { lagMs: 500, heapShare: 0.2, busy: 12 }, settings).next).toBe(10);
  });

  it('starts at the ceiling, takes fewer after two lagging looks, and is back at the ceiling soon after', () => {
    const worker = { concurrency: 5 };
    const seen: number[] = [];
    const governor = governConcurrency(worker, settings, () => worker.concurrency, silentLogger(), (n) => seen.push(n));
    try {
      const lagging = { lagMs: 200, heapShare: 0.2, busy: 1000 };
      for (const sample of [lagging, lagging, lagging, healthy(500), healthy(500)]) governor.tick(sample);
      expect(seen).toEqual([1000, 750, 562, 1000]);
    } finally {
      governor.stop();
    }
  });
});
