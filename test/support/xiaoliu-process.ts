import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { spawnProcess, type RunningProcess } from './spawn-process.js';
import { waitFor } from './wait-for.js';
import { nodeArgsOf } from './npm-script.js';

/** A real Xiaoliu process (`node … dist/src/main.js <role>`, as `npm run <role>` runs it), listening on a port it chose. */
export interface XiaoliuProcess extends RunningProcess {
  port: number;
  base: string;
  /** The operator's server (/metrics, /ready), on the loopback. */
  metricsBase: string;
  /** The exit code once it has exited; undefined while it runs. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then waits for the exit (SIGKILL if it hangs). */
  stop(): Promise<number | null>;
}

/** Starts the process with PORT=0 and waits for its "xiaoliu is up" line (LOG_LEVEL must show info). */
export async function startXiaoliuProcess(env: Record<string, string>, role = 'start'): Promise<XiaoliuProcess> {
  const proc = spawnProcess(nodeArgsOf(role), { PORT: '0', HOST: '127.0.0.1', ...env });
  let code: number | null | undefined;
  void proc.exited.then((c) => (code = c));
  const port = await waitFor(
    'the process to start',
    () => {
      if (code !== undefined) throw new Error(`xiaoliu exited with ${code} while starting:\n${proc.output().slice(-3000)}`);
      const up = /"port":(\d+)[^\n]*"msg":"xiaoliu is up"/.exec(proc.output());
      return up ? Number(up[1]) : undefined;
    },
    30_000,
  );
  const metricsPort = Number(/"metricsPort":(\d+)[^\n]*"msg":"xiaoliu is up"/.exec(proc.output())![1]);
  return {
    ...proc,
    port,
    base: `http://127.0.0.1:${port}`,
    metricsBase: `http://127.0.0.1:${metricsPort}`,
    exitCode: () => code,
    async stop() {
      if (code !== undefined) return code;
      proc.child.kill('SIGTERM');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      const exit = await proc.exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/**
 * Lines that mean the process crashed or nearly did: Node's own report of an uncaught exception or unhandled
 * rejection (it ends with "Node.js vNN"), and fatal log lines.
 */
export function crashSigns(output: string): string[] {
  return output.split('\n').filter((line) => /^Node\.js v\d|UnhandledPromiseRejection|uncaughtException|"level":60/.test(line));
}

export interface SentRequest {
  status: number;
  body: string;
}

/** Sends one request over a keep-alive agent; resolves with the status (0: the connection failed; -1: not sendable). */
export function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<SentRequest> {
  return new Promise((resolve) => {
    const options = { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent };
    let req: ReturnType<typeof request>;
    try {
      req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '' }));
      });
    } catch (error) {
      // Node itself refused to send it (a header it cannot encode): a fault of the test's input, shown as such.
      return resolve({ status: -1, body: String(error) });
    }
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/**
 * Declares a body of `declaredBytes` but sends only the first `sentBytes` of it, then waits for the status line: a
 * server that answers at all has refused the body without reading it (it never arrived).
 */
export function sendDeclaredOnly(port: number, path: string, headers: Record<string, string>, declaredBytes: number, sentBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const head = [`POST ${path} HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${declaredBytes}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to a ${declaredBytes}-byte body of which ${sentBytes} bytes were sent`));
    }, 10_000);
    socket.on('error', () => {}); // the server may close while the body is still "coming": the status already arrived
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (!status) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(status[1]));
    });
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(Buffer.alloc(sentBytes, 0x7b));
  });
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: Iterable<T>, concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const next = async (): Promise<void> => {
    for (let step = iterator.next(); !step.done; step = iterator.next()) await work(step.value);
  };
  await Promise.all(Array.from({ length: concurrency }, next));
}
