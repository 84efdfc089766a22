import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { startApp } from '../../src/app/start-app.js';
import type { Config } from '../../src/config/read-config.js';
import type { Logger } from '../../src/log/create-logger.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { ShellSession } from './shell-session.js';

const USAGE = `usage: npm run shell [-- [--session NAME] [--new] [--no-worker]]
  --session NAME  talk in the named conversation (default "default"); it is kept across restarts
  --new           start a new conversation named after the current time
  --no-worker     only send and show messages; answers come from workers running elsewhere (npm run worker)`;

/** `npm run shell`: a terminal chat through the real queue, worker, router, model client and storage. */
export async function runShell(config: Config, log: Logger, args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sessionIndex = args.indexOf('--session');
  const session = args.includes('--new')
    ? new Date().toISOString().replace(/[:.]/g, '-')
    : sessionIndex >= 0
      ? (args[sessionIndex + 1] ?? 'default')
      : 'default';
  const user = userInfo().username || 'you';

  const app = await startApp(config, log, { gateway: false, worker: !args.includes('--no-worker'), terminal: true });
  const shell = new ShellSession({
    subscriber: createRedis(config.redisUrl, { connectionName: 'xiaoliu-shell' }),
    ingress: app.ingress,
    prefix: config.queuePrefix,
    workspaceId: hostname(),
    channelId: `${user}.${session}`,
    user: { id: user, name: user },
    output: process.stdout,
    filesDir: resolve('xiaoliu-files'),
    tty: Boolean(process.stdout.isTTY),
  });
  await shell.start();

  process.stdout.write(
    `Xiaoliu (小柳) — conversation "${session}" (kept across restarts; \`reset\` forgets it). ` +
      `Type \`help\` for commands, Ctrl-D to leave.\n`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
  // Input can end while an answer is still coming (piped stdin); lines already read are still answered.
  let inputClosed = false;
  rl.on('close', () => (inputClosed = true));
  const prompt = () => inputClosed || rl.prompt();
  rl.setPrompt('you> ');
  prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === 'exit' || text === 'quit') break;
    if (text) await shell.ask(text);
    prompt();
  }
  rl.close();
  await shell.close();
  await app.close();
}
