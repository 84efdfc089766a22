/*
 * Xiaoliu as the bench runs it: the real `gateway` and `worker` roles, each a process of its own started exactly as
 * `npm run gateway` / `npm run worker` start them (or, with `single`, both in one process as `npm start` runs them),
 * and read from outside through their /metrics endpoints.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { nodeArgsOf } from '../support/npm-script.js';
import { spawnProcess, type RunningProcess } from '../support/spawn-process.js';
import { waitFor } from '../support/wait-for.js';

export interface RolesOptions {
  env: Record<string, string>;
  gatewayPort: number;
  workerPort: number;
  /** WORKER_CONCURRENCY; undefined: the default, as a deployment that sets nothing runs. */
  workerConcurrency?: number;
  /** Worker processes (ports workerPort, workerPort + 1, …); 1 unless a scenario says otherwise. */
  workers?: number;
  /** Directory for `node --cpu-prof` profiles of both roles; none: no profiling. */
  profileDir?: string;
  /** Where to keep each role's log when it stops (`<dir>/<role>.log`, the last scenario's). */
  logDir: string;
  /** Scheduling priority of the worker (nice, 0–19): on one shared machine, acknowledgements before answers. */
  workerNice?: number;
  /** One process with both roles, as `npm start` runs them (gateway and worker read the same process). */
  single?: boolean;
}

export interface RunningRoles {
  gatewayUrl: string;
  gateway: ProcessHealthReader;
  /** The worker processes together: CPU summed, lag and memory of the worst one. */
  worker: ProcessHealthReader;
  stop(): Promise<void>;
}

/** Event-loop lag and memory of a role, as its own prom-client metrics report them. */
export interface ProcessHealth {
  /** nodejs_eventloop_lag_p99_seconds since the previous scrape (prom-client resets it on each), in ms. */
  lagP99Ms: number;
  rssMB: number;
  /** V8 heap in use, to tell the heap from buffers and native memory in RSS. */
  heapMB?: number;
}

export interface ProcessHealthReader {
  read(): Promise<ProcessHealth>;
  /** CPU time (user + system) the process has used so far, in ms: per-event costs that other load cannot inflate. */
  cpuMs(): number;
}

export async function startRoles(options: RolesOptions): Promise<RunningRoles> {
  const start = async (role: 'gateway' | 'worker' | 'start', port: number, index = 0): Promise<RunningProcess & { metricsPort: number }> => {
    // A directory per process, so that several workers' profiles never mix.
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}/${role}${index ? `-${index}` : ''}`] : [];
    const running = spawnProcess([...profile, ...nodeArgsOf(role)], {
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(options.workerConcurrency === undefined ? {} : { WORKER_CONCURRENCY: String(options.workerConcurrency) }),
    });
    const metricsPort = await waitFor(`the ${role} to start`, () => {
      if (running.child.exitCode !== null) throw new Error(`the ${role} exited at start-up:\n${running.output()}`);
      // The operator's port (/metrics), a free one (spawnProcess sets METRICS_PORT=0).
      const up = /"metricsPort":(\d+)[^\n]*"msg":"xiaoliu is up"/.exec(running.output());
      return up ? Number(up[1]) : undefined;
    }, 60_000);
    return { ...running, metricsPort };
  };
  if (options.single) {
    const both = await start('start', options.gatewayPort);
    const reader = healthReader(both.metricsPort, both.child.pid!);
    return {
      gatewayUrl: `http://127.0.0.1:${options.gatewayPort}`,
      gateway: reader,
      worker: reader,
      async stop() {
        both.child.kill('SIGTERM');
        await both.exited;
        await mkdir(options.logDir, { recursive: true });
        await writeFile(`${options.logDir}/start.log`, both.output());
      },
    };
  }
  const workerPorts = Array.from({ length: options.workers ?? 1 }, (_, i) => options.workerPort + i);
  const [gateway, ...workers] = await Promise.all([
    start('gateway', options.gatewayPort),
    ...workerPorts.map((port, i) => start('worker', port, i)),
  ]);
  if (options.workerNice) for (const worker of workers) setPriority(worker.child.pid!, options.workerNice);
  const workerReaders = workers.map((worker) => healthReader(worker.metricsPort, worker.child.pid!));
  return {
    gatewayUrl: `http://127.0.0.1:${options.gatewayPort}`,
    gateway: healthReader(gateway!.metricsPort, gateway!.child.pid!),
    worker: {
      cpuMs: () => workerReaders.reduce((sum, reader) => sum + reader.cpuMs(), 0),
      async read() {
        const all = await Promise.all(workerReaders.map((reader) => reader.read()));
        return {
          lagP99Ms: Math.max(...all.map((h) => h.lagP99Ms)),
          rssMB: Math.max(...all.map((h) => h.rssMB)),
          heapMB: Math.max(...all.map((h) => h.heapMB ?? NaN)),
        };
      },
    },
    async stop() {
      const all = [gateway!, ...workers];
      for (const { child } of all) child.kill('SIGTERM');
      await Promise.all(all.map((p) => p.exited));
      await mkdir(options.logDir, { recursive: true });
      await writeFile(`${options.logDir}/gateway.log`, gateway!.output());
      for (const [i, worker] of workers.entries()) await writeFile(`${options.logDir}/worker${i ? `-${i}` : ''}.log`, worker.output());
      const problems = all.map((p) => p.output()).join('').split('\n').filter((line) => /"level":(50|60)/.test(line));
      if (problems.length) console.error(`  (the roles logged ${problems.length} errors; first: ${problems[0]!.slice(0, 400)})`);
    },
  };
}

function healthReader(port: number, pid: number): ProcessHealthReader {
  return {
    cpuMs: () => cpuMsOf(pid),
    async read() {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      return {
        lagP99Ms: value('xiaoliu_nodejs_eventloop_lag_p99_seconds') * 1000,
        rssMB: value('xiaoliu_process_resident_memory_bytes') / 1e6,
        heapMB: value('xiaoliu_nodejs_heap_size_used_bytes') / 1e6,
      };
    },
  };
}

/** utime + stime of a process from /proc (Linux), in ms; NaN elsewhere. */
export function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
