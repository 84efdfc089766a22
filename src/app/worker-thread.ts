import { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/create-logger.js';

/** The prom-client JSON of a registry (`getMetricsAsJSON`), which AggregatorRegistry merges. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** What the thread says (worker-thread-main.ts) and what it is asked. */
export type FromThread = { type: 'up' } | { type: 'failed'; message: string } | { type: 'metrics'; id: number; metrics: MetricsJson } | { type: 'closed' };
export type ToThread = { type: 'metrics'; id: number } | { type: 'close' };

/** The worker role, running in a thread of the process (`npm start`). */
export interface WorkerThread {
  /** The thread's metrics, to serve beside the main thread's on /metrics. */
  metrics(): Promise<MetricsJson>;
  /** Lets its in-flight answers finish (or hands them back), then ends the thread. */
  close(): Promise<void>;
}

/**
 * Starts the worker role in a thread of its own (`npm start`): the gateway keeps the main thread's event loop to
 * itself, so a burst of answers (parsing streams, rendering, database round trips) never delays an acknowledgement
 * Slack is timing, while both still share one process, one container and one port. The thread reads the same
 * environment; it does not migrate (the main thread has, before it starts). If the thread dies, the process exits
 * with an error, so its supervisor restarts the whole (a gateway without its worker would queue and never answer).
 */
export async function startWorkerThread(log: Logger): Promise<WorkerThread> {
  // Compiled, the entry is worker-thread-main.js beside this file; under tsx (npm run dev), the .ts source.
  const entry = new URL(`./worker-thread-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const thread = new Worker(entry, { env: { ...process.env, MIGRATE_ON_START: 'false' } });
  let closing = false;
  let next = 0;
  const waiting = new Map<number, (metrics: MetricsJson) => void>();
  let closed: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    thread.on('message', (message: FromThread) => {
      if (message.type === 'up') resolve();
      else if (message.type === 'failed') reject(new Error(message.message));
      else if (message.type === 'metrics') {
        waiting.get(message.id)?.(message.metrics);
        waiting.delete(message.id);
      } else if (message.type === 'closed') closed?.();
    });
    // An uncaught error ends the thread ('exit' follows): said once, with its stack.
    thread.on('error', (error) => {
      log.fatal({ err: error }, 'the worker thread failed');
      reject(error);
    });
    thread.on('exit', (code) => {
      reject(new Error(`the worker thread exited with code ${code} while starting`));
      if (closing) return;
      log.fatal({ code }, 'the worker thread stopped; exiting so that the process is restarted');
      process.exit(1);
    });
  });
  const send = (message: ToThread) => thread.postMessage(message);
  return {
    metrics() {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        send({ type: 'metrics', id });
      });
    },
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        closed = resolve;
        thread.once('exit', () => resolve());
        send({ type: 'close' });
      });
      await thread.terminate();
    },
  };
}
