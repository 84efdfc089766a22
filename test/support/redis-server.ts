import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/** Whether a `redis-server` binary is on the PATH (fault tests that restart Redis need their own). */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/**
 * A redis-server of the test's own on a free port, so a test can stop and restart Redis without touching the
 * machine's (which other tests use at the same time). Data is kept in an append-only file with an fsync per write,
 * as production runs Redis (README: AOF), so a restart — even after SIGKILL — loses nothing it acknowledged.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Stops the server: SIGTERM is a clean shutdown, SIGKILL a crash. Resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data, and resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An ACL user the server requires; its default user is switched off, as docker-compose.yml runs Redis. */
export interface RedisUser {
  name: string;
  password: string;
}

/** True once the server answers PING with PONG (it refuses or answers LOADING while it starts). */
export function answersPing(port: number, user?: RedisUser): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    let answer = '';
    socket.on('connect', () => socket.write(`${user ? `AUTH ${user.name} ${user.password}\r\n` : ''}PING\r\n`));
    socket.on('data', (data) => {
      answer += String(data);
      // After AUTH's own reply (+OK, or an error that fails the check) comes PING's.
      if (user && answer.split('\r\n').length < 3) return;
      resolve(answer.endsWith('+PONG\r\n') && (!user || answer.startsWith('+OK')));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      resolve(false);
      socket.destroy();
    });
  });
}

/**
 * With `user`, the server has that ACL user (every key, channel and command) and no default user, as
 * docker-compose.yml runs Redis (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/), and
 * `url` carries the user and password.
 */
export async function startPrivateRedis(options: { user?: RedisUser } = {}): Promise<PrivateRedis> {
  const { user } = options;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'xiaoliu-redis-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'];
    // noeviction as BullMQ needs; fsync on every write so a crash loses nothing that was acknowledged.
    args.push('--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', '');
    if (user) args.push('--user', 'default', 'off', '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all');
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (output += String(chunk)));
    server.stderr!.on('data', (chunk) => (output += String(chunk)));
    child = server;
    await waitFor('the private redis-server to answer', () => answersPing(port, user), 10_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    await exited;
  };

  await start();
  return {
    port,
    url: user ? `redis://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
