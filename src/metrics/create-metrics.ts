import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric Xiaoliu exports, on a registry of its own (tests build several per process). */
export interface Metrics {
  registry: Registry;
  /** Jobs finished, by platform, command and outcome (answered, duplicate, user_error, failed, retried). */
  jobs: Counter<'platform' | 'command' | 'outcome'>;
  /** Time from a job starting to its answer being fully posted. */
  jobDuration: Histogram<'platform' | 'command'>;
  /** Time from the platform's event reaching the gateway to the job being queued. */
  ingressAck: Histogram<'platform'>;
  /** Time from a job being queued to the model request being sent: the pipeline's own overhead. */
  pipelineOverhead: Histogram;
  /** One model call (all attempts), by outcome (ok, error). */
  claudeDuration: Histogram<'outcome'>;
  /** Time from sending a model request to its first text. */
  claudeFirstToken: Histogram;
  /** Tokens by kind: input, output, cache_write, cache_read. */
  claudeTokens: Counter<'kind'>;
  claudeCost: Counter;
  /** Model call attempts that were retried, by reason (status code, overloaded, stream_error, connection). */
  claudeRetries: Counter<'reason'>;
  /** Inbound queue jobs by state, read from Redis at scrape time. */
  queueDepth: Gauge<'state'>;
  /** Answers a worker process takes at once now, as its load governor set it (src/worker/load-governor.ts). */
  workerConcurrency: Gauge;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FAST_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3];

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'xiaoliu_' });
  const registers = [registry];
  return {
    registry,
    jobs: new Counter({
      name: 'xiaoliu_jobs_total',
      help: 'Inbound jobs finished, by platform, command and outcome.',
      labelNames: ['platform', 'command', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'xiaoliu_job_duration_seconds',
      help: 'Time from a job starting to its answer being fully posted.',
      labelNames: ['platform', 'command'],
      buckets: SECONDS,
      registers,
    }),
    ingressAck: new Histogram({
      name: 'xiaoliu_ingress_ack_seconds',
      help: 'Time from an event reaching the gateway to it being queued and acknowledged.',
      labelNames: ['platform'],
      buckets: FAST_SECONDS,
      registers,
    }),
    pipelineOverhead: new Histogram({
      name: 'xiaoliu_pipeline_overhead_seconds',
      help: 'Time from a message being queued to its model request being sent.',
      buckets: FAST_SECONDS,
      registers,
    }),
    claudeDuration: new Histogram({
      name: 'xiaoliu_claude_request_duration_seconds',
      help: 'Duration of one answer from the model, all attempts included.',
      labelNames: ['outcome'],
      buckets: SECONDS,
      registers,
    }),
    claudeFirstToken: new Histogram({
      name: 'xiaoliu_claude_time_to_first_token_seconds',
      help: 'Time from sending a model request to receiving its first text.',
      buckets: SECONDS,
      registers,
    }),
    claudeTokens: new Counter({
      name: 'xiaoliu_claude_tokens_total',
      help: 'Model tokens by kind (input, output, cache_write, cache_read).',
      labelNames: ['kind'],
      registers,
    }),
    claudeCost: new Counter({
      name: 'xiaoliu_claude_cost_usd_total',
      help: 'Estimated model spend in US dollars, from the price table.',
      registers,
    }),
    claudeRetries: new Counter({
      name: 'xiaoliu_claude_retries_total',
      help: 'Model call attempts that failed and were retried, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'xiaoliu_queue_depth',
      help: 'Inbound queue jobs by state.',
      labelNames: ['state'],
      registers,
    }),
    workerConcurrency: new Gauge({
      name: 'xiaoliu_worker_concurrency',
      help: 'Answers this worker process takes at once now: grows while it is full and healthy, shrinks while its event loop lags or its heap fills.',
      registers,
    }),
  };
}
