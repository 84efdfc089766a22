// The entry of the worker thread that `npm start` runs (worker-thread.ts): the worker role, answering the main
// thread's requests for its metrics and for a clean stop.
import { parentPort } from 'node:worker_threads';
import { readConfig } from '../config/read-config.js';
import { createLogger } from '../log/create-logger.js';
import { startApp } from './start-app.js';
import type { FromThread, ToThread } from './worker-thread.js';

const port = parentPort!;
const say = (message: FromThread) => port.postMessage(message);
const config = readConfig(process.env);
const log = createLogger({ level: config.logLevel, name: 'xiaoliu-start' }).child({ thread: 'worker' });

try {
  const app = await startApp(config, log, { gateway: false, worker: true }, { listen: false, processMetrics: false });
  port.on('message', (message: ToThread) => {
    if (message.type === 'metrics') {
      void app.metrics.registry.getMetricsAsJSON().then((metrics) => say({ type: 'metrics', id: message.id, metrics }));
    } else if (message.type === 'close') {
      void app.close().then(
        () => say({ type: 'closed' }),
        (error: unknown) => {
          log.error({ err: error }, 'error while stopping the worker thread');
          say({ type: 'closed' });
        },
      );
    }
  });
  say({ type: 'up' });
} catch (error) {
  log.fatal({ err: error }, 'the worker thread could not start');
  say({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
