/*
 * Calls between the bench driver and the processes it forks (fakes, naive baseline) over Node's IPC channel, so
 * each can run in a process of its own and the driver's CPU is never counted inside anyone else's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

type Handlers = Record<string, (args: any) => unknown>;

interface Request {
  id: number;
  op: string;
  args: unknown;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** In a forked child: answers the driver's calls with `handlers`, and exits when the driver goes away. */
export function serveRpc(handlers: Handlers): void {
  if (!process.send) throw new Error('this process must be started by the bench (no IPC channel)');
  process.on('message', (raw) => {
    const { id, op, args } = raw as Request;
    Promise.resolve()
      .then(() => {
        const handler = handlers[op];
        if (!handler) throw new Error(`no such operation: ${op}`);
        return handler(args);
      })
      .then(
        (result) => process.send!({ id, result } satisfies Reply),
        (error: unknown) => process.send!({ id, error: error instanceof Error ? error.stack : String(error) } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
  // Exiting, not dying, on the driver's SIGTERM: a --cpu-prof profile is written only on a normal exit.
  process.on('SIGTERM', () => process.exit(0));
}

/** A forked child that answers calls. */
export interface RpcChild {
  child: ChildProcess;
  call<T = unknown>(op: string, args?: unknown): Promise<T>;
  /** Ends it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks `script` (TypeScript, through tsx) and returns a way to call it. */
export async function forkRpc(script: string, args: string[] = [], execArgv: string[] = []): Promise<RpcChild> {
  const child = fork(script, args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'spawn');
  let next = 0;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  child.on('message', (raw) => {
    const { id, result, error } = raw as Reply;
    const waiter = pending.get(id);
    pending.delete(id);
    if (error !== undefined) waiter?.reject(new Error(error));
    else waiter?.resolve(result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code})`));
    pending.clear();
  });
  return {
    child,
    call: (op, callArgs) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, op, args: callArgs } satisfies Request);
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
