import { spawn, type ChildProcess } from 'node:child_process';

/** A Xiaoliu process started as the npm scripts and the image start it, with its output collected. */
export interface RunningProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `node <args>` from the repository root with the given environment added to the test's own. The operator's
 * port (/metrics, /ready) is a free one unless `env` says otherwise: its fixed default would collide between the
 * processes tests run side by side.
 */
export function spawnProcess(args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, METRICS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exited };
}
