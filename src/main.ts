import { existsSync } from 'node:fs';
import { ConfigError } from './domain/errors.js';
import { readConfig, requireModelAccess, type Config } from './config/read-config.js';
import { createLogger, type Logger } from './log/create-logger.js';
import { startApp, type Roles } from './app/start-app.js';
import { startWorkerThread } from './app/worker-thread.js';
import { runMigrations, openDatabase } from './store/database.js';

const USAGE = `usage: node dist/src/main.js <role> [options] (compiled by npm run build), behind the npm scripts:
  start    gateway + worker in one process, the worker in a thread of its own (npm start)
  gateway  platform connections and HTTP only (npm run gateway)
  worker   queue consumer only (npm run worker)
  migrate  apply database migrations and exit (npm run migrate)
  shell    chat in the terminal, with a worker in the same process (npm run shell [-- options]):
    --session NAME  talk in the named conversation (default "default"); it is kept across restarts
    --new           start a new conversation named after the current time
    --no-worker     only send and show messages; answers come from workers running elsewhere (npm run worker)`;

/** The process roles; `--no-worker` leaves the worker out of any of them. */
const ROLES: Record<string, Roles> = {
  start: { gateway: true, worker: true },
  gateway: { gateway: true, worker: false },
  worker: { gateway: false, worker: true },
  shell: { gateway: false, worker: true, terminal: true },
};

async function main(): Promise<void> {
  const role = process.argv[2] ?? 'start';
  const args = process.argv.slice(3);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(`${USAGE}\n`);
  // A .env beside the project is read for convenience; variables already set in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  // In the terminal, stdout is the conversation: logs go to stderr, and only warnings unless LOG_LEVEL says otherwise.
  const terminal = ROLES[role]?.terminal === true;
  let config: Config;
  try {
    config = readConfig(terminal && !process.env.LOG_LEVEL ? { ...process.env, LOG_LEVEL: 'warn' } : process.env);
  } catch (error) {
    return fail(error);
  }
  const log = createLogger({ level: config.logLevel, name: `xiaoliu-${role}` }, terminal ? process.stderr : undefined);

  try {
    if (role === 'migrate') {
      const database = await openDatabase(config.databaseUrl, log, { max: 1 });
      await database.close();
      await runMigrations(config.databaseUrl, log);
      return;
    }
    const roles = ROLES[role];
    if (!roles) return fail(new Error(`unknown role "${role}": use start, gateway, worker, migrate or shell`));
    const { worker: withWorker, ...rest } = args.includes('--no-worker') ? { ...roles, worker: false } : roles;
    // npm start: the worker in a thread of its own, so answers never hold up the gateway's acknowledgements; checked
    // here first so that a missing key is the same one-line error as in the worker role.
    const inThread = role === 'start' && withWorker;
    if (inThread) requireModelAccess(config);
    // The worker thread first, once the database is migrated, so that "xiaoliu is up" means both are.
    if (inThread && config.migrateOnStart) await runMigrations(config.databaseUrl, log);
    const thread = inThread ? await startWorkerThread(log) : undefined;
    const gatewayConfig = inThread ? { ...config, migrateOnStart: false } : config;
    const more = thread ? { moreMetrics: () => thread.metrics() } : {};
    const app = await startApp(gatewayConfig, log, { ...rest, worker: withWorker && !inThread }, { args, ...more }).catch(async (error: unknown) => {
      await thread?.close().catch(() => {});
      throw error;
    });
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= Promise.all([app.close(), thread?.close()]).then(() => {}));
    onShutdown(log, close);
    // A role whose ingress ends by itself (the terminal, when its input ends) exits then.
    if (app.ended) {
      await app.ended;
      await close();
      process.exit(0);
    }
  } catch (error) {
    return fail(error, log);
  }
}

/** SIGTERM and SIGINT: stop taking work, finish or hand back what is in flight, exit 0. A second signal forces. */
function onShutdown(log: Logger, close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down');
    close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (error) => {
        log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** One readable line for the operator, naming what to fix; no stack trace for configuration mistakes. */
function fail(error: unknown, log?: Logger): void {
  if (error instanceof ConfigError) {
    process.stderr.write(`xiaoliu: configuration error: ${error.message}\n`);
  } else if (log) {
    log.fatal({ err: error }, 'xiaoliu could not start');
  } else {
    process.stderr.write(`xiaoliu: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
}

void main();
