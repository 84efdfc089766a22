import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { IngressDeps, RunningIngress } from '../../src/domain/adapter.js';
import type { ShellConfig } from './shell-config.js';
import { ShellSession } from './shell-session.js';

/**
 * The terminal as an ingress (`npm run shell`, the terminal role): each line typed is a message, through the same
 * queue, workers, router, model client and storage as Slack's and Discord's, and each answer prints as it streams.
 * It ends by itself when the input ends (Ctrl-D, or the end of piped lines, once they are answered).
 */
export async function startShellIngress(config: ShellConfig, deps: IngressDeps): Promise<RunningIngress> {
  const session = sessionOf(deps.args);
  const user = userInfo().username || 'you';
  const shell = new ShellSession({
    subscriber: deps.connectRedis('xiaoliu-shell'),
    ingress: deps.ingress,
    prefix: deps.prefix,
    workspaceId: hostname(),
    channelId: `${user}.${session}`,
    user: { id: user, name: user },
    output: process.stdout,
    filesDir: resolve('xiaoliu-files'),
    tty: Boolean(process.stdout.isTTY),
    uploads: { sql: deps.sql, maxFileBytes: config.maxFileBytes },
  });
  await shell.start();
  process.stdout.write(
    `Xiaoliu (小柳) — conversation "${session}" (kept across restarts; \`reset\` forgets it). ` +
      `Type \`help\` for commands, \`/attach PATH\` to send a file with your next message, Ctrl-D to leave.\n`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
  const ended = converse(rl, shell).finally(() => shell.close());
  return {
    ended,
    async stop() {
      rl.close();
      await shell.close();
    },
  };
}

/** `--session NAME` (default "default"), or `--new`: a conversation named after the current time. */
function sessionOf(args: readonly string[]): string {
  if (args.includes('--new')) return new Date().toISOString().replace(/[:.]/g, '-');
  const at = args.indexOf('--session');
  return at >= 0 ? (args[at + 1] ?? 'default') : 'default';
}

/** Reads lines until the input ends (or `exit`), asking each and waiting for its answer before the next prompt. */
async function converse(rl: ReturnType<typeof createInterface>, shell: ShellSession): Promise<void> {
  // Input can end while an answer is still coming (piped stdin); lines already read are still answered.
  let inputClosed = false;
  rl.on('close', () => (inputClosed = true));
  const prompt = () => inputClosed || rl.prompt();
  rl.setPrompt('you> ');
  prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === 'exit' || text === 'quit') break;
    const attach = /^\/attach\s+(.+)$/.exec(text);
    if (attach) await shell.attach(attach[1]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
    else if (text) await shell.ask(text);
    prompt();
  }
  rl.close();
}
