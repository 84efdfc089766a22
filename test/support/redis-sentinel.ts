import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, answersPing } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** The master name the test's sentinels monitor. */
export const SENTINEL_MASTER_NAME = 'xiaoliu-test';

/**
 * A Redis deployment of the test's own that fails over: a primary, a replica (`--replicaof`) and three sentinels
 * (`redis-server <conf> --sentinel`, each with a writable config file in a temp dir, since Sentinel rewrites it), all
 * on free ports on 127.0.0.1. Sentinel timings are short (down after 1 s, failover timeout 5 s) so a test sees a
 * failover in seconds; production keeps Sentinel's defaults or its own.
 *
 * The primary is reached through a small TCP proxy on the address everyone is given (the sentinels, the replica and,
 * through the sentinels, the app), so the test can hold back the replication stream and make the replica fall behind,
 * as a busy or distant replica does: writes the primary acknowledged that no replica has. The proxy tells the
 * replication connection from the others by the REPLCONF/PSYNC the replica sends on it.
 */
export interface SentinelRedis {
  /** The app's environment: REDIS_SENTINELS, REDIS_SENTINEL_NAME, and a REDIS_URL whose host is not used. */
  env: Record<string, string>;
  /** The primary's own port (behind the proxy): for looking at what it holds. */
  primaryPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** The replication stream stops reaching the replica (its connection stays open): the replica falls behind. */
  holdReplication(): void;
  /** kill -9 the primary; its address then refuses connections, as a dead host's does. */
  killPrimary(): Promise<void>;
  /** Resolves with the port the sentinels name as primary once it is no longer the old one. */
  waitForFailover(timeoutMs?: number): Promise<number>;
  /** Stops every process and deletes their files. */
  close(): Promise<void>;
}

export async function startSentinelRedis(): Promise<SentinelRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'xiaoliu-sentinel-'));
  const children: ChildProcess[] = [];
  let output = '';
  const run = async (args: string[], port: number, what: string) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += `[${what}] ${String(chunk)}`));
    child.stderr!.on('data', (chunk) => (output += `[${what}] ${String(chunk)}`));
    children.push(child);
    await waitFor(`the ${what} to answer`, () => answersPing(port), 10_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${output.slice(-3000)}`);
    });
    return child;
  };
  // No persistence: the killed primary is never started again, and nothing here outlives the test.
  const server = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', ''];

  const primaryPort = await freePort();
  const primary = await run([...server(primaryPort), '--dbfilename', 'primary.rdb'], primaryPort, 'primary');
  const proxy = await startReplicationProxy(primaryPort);
  const replicaPort = await freePort();
  await run([...server(replicaPort), '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(proxy.port)], replicaPort, 'replica');
  await waitFor('the replica to be in sync', async () => /master_link_status:up/.test(await info(replicaPort, 'replication')), 10_000);

  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${proxy.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    await run([conf, '--sentinel'], port, `sentinel ${i}`);
    sentinelPorts.push(port);
  }
  // Each sentinel must know the replica (from the primary's INFO) and the other sentinels (from their hellos) before a
  // failover can promote it.
  await waitFor(
    'the sentinels to see the replica and each other',
    async () => {
      for (const port of sentinelPorts) {
        const master = await sentinel(port, ['master', SENTINEL_MASTER_NAME]).catch(() => undefined);
        const fields = Array.isArray(master) ? pairs(master as string[]) : {};
        if (fields['num-slaves'] !== '1' || fields['num-other-sentinels'] !== '2') return false;
      }
      return true;
    },
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${output.slice(-3000)}`);
  });

  return {
    env: {
      REDIS_URL: 'redis://127.0.0.1:1', // the host is not used with sentinels; a wrong one shows it
      REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    },
    primaryPort,
    replicaPort,
    sentinelPorts,
    holdReplication: () => proxy.holdReplication(),
    async killPrimary() {
      const exited = new Promise((resolve) => primary.once('exit', resolve));
      primary.kill('SIGKILL');
      await exited;
      // What the proxy still held for the replica goes with the primary.
      await proxy.close();
    },
    async waitForFailover(timeoutMs = 30_000) {
      return waitFor(
        'the sentinels to promote the replica',
        async () => {
          const address = await sentinel(sentinelPorts[0]!, ['get-master-addr-by-name', SENTINEL_MASTER_NAME]).catch(() => undefined);
          const port = Array.isArray(address) ? Number(address[1]) : undefined;
          return port === replicaPort ? port : undefined;
        },
        timeoutMs,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${output.slice(-4000)}`);
      });
    },
    async close() {
      await proxy.close();
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return undefined;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One INFO section of a server, as text. */
export async function info(port: number, section: string): Promise<string> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.info(section);
  } finally {
    redis.disconnect();
  }
}

async function sentinel(port: number, args: string[]): Promise<unknown> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.call('SENTINEL', ...args);
  } finally {
    redis.disconnect();
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

interface ReplicationProxy {
  port: number;
  holdReplication(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the primary that can stop forwarding what the primary sends on replication connections. */
async function startReplicationProxy(targetPort: number): Promise<ReplicationProxy> {
  const sockets = new Set<Socket>();
  const replication = new Set<Socket>(); // the primary's side of each replication connection
  let held = false;
  const hold = (upstream: Socket) => {
    upstream.unpipe();
    upstream.pause();
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => {
      // A replica opens its replication with REPLCONF (listening-port, capa) and PSYNC.
      if (!replication.has(upstream) && /REPLCONF|PSYNC/i.test(chunk.toString('latin1'))) {
        replication.add(upstream);
        if (held) hold(upstream);
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return {
    port,
    holdReplication() {
      held = true;
      for (const upstream of replication) hold(upstream);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
