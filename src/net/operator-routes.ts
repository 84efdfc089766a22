import { AggregatorRegistry } from 'prom-client';
import type { MetricsJson } from '../app/worker-thread.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { Logger } from '../log/create-logger.js';
import { send, type HttpServer } from './create-http-server.js';

/** A dependency the process cannot serve without; /ready reports each by name. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

/**
 * The operator's routes, for the operator's server only (METRICS_HOST:METRICS_PORT), never the public one: the
 * Prometheus text, and readiness with each dependency's error message, are not for the internet.
 */
export function addOperatorRoutes(
  server: HttpServer,
  options: {
    log: Logger;
    metrics: Metrics;
    checks: ReadinessCheck[];
    /** Refreshes gauges that are read at scrape time (queue depth). */
    beforeScrape?: () => Promise<void>;
    /** The metrics of the process's worker thread (`npm start`), served together with this thread's. */
    moreMetrics?: () => Promise<MetricsJson>;
  },
): void {
  const { log, metrics } = options;
  server.route('GET', '/ready', async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), READY_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `unavailable: ${error instanceof Error ? error.message : String(error)}`] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  server.route('GET', '/metrics', async (_req, res) => {
    await options.beforeScrape?.().catch((error) => log.warn({ err: error }, 'could not refresh queue metrics'));
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    if (!options.moreMetrics) return void res.end(await metrics.registry.metrics());
    // The same metrics from two threads, each counting its own events: summed, as prom-client sums a cluster's.
    const merged = AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), await options.moreMetrics()]);
    res.end(await merged.metrics());
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
