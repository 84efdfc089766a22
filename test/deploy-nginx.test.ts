import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait-for.js';

// docker/nginx/nginx.conf checked by a real nginx (Debian's package: `apt-get install -y nginx`), then run and
// probed over real TLS. Only what ties it to a container is rewritten for the test, and nothing else:
//   - listen ports 80/443 → free ports on 127.0.0.1;
//   - the certificate folder /etc/nginx/certs → a self-signed certificate made here;
//   - the upstream `gateway:3000` → a fake gateway on 127.0.0.1 (Docker's DNS name does not exist here);
//   - `resolve` on the upstream server is dropped on nginx older than 1.27.3 (Debian 12 ships 1.22), which
//     predates it; the compose file pins nginx 1.28, and deploy-compose.test.ts checks that pin.

const NGINX = process.env.NGINX_BIN ?? 'nginx';
const version = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
const nginxVersion = version.error ? undefined : /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(version.stderr)?.slice(1).map(Number);
const openssl = !spawnSync('openssl', ['version']).error;
const skip = !nginxVersion || !openssl;
if (skip) {
  console.warn(
    `deploy-nginx.test.ts skipped: ${!nginxVersion ? 'no nginx binary' : 'no openssl binary'} on this machine ` +
      '(install with `apt-get install -y --no-install-recommends nginx openssl`).',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(url: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Response> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe.skipIf(skip)('docker/nginx/nginx.conf (a real nginx)', () => {
  let dir: string;
  let gateway: Server;
  let nginx: ChildProcess | undefined;
  let http: string;
  let https: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xiaoliu-nginx-'));
    cpSync('docker/nginx', dir, { recursive: true });
    mkdirSync(join(dir, 'certs'));
    const cert = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=xiaoliu.test',
      '-keyout', join(dir, 'certs/privkey.pem'), '-out', join(dir, 'certs/fullchain.pem'),
    ]);
    expect(cert.status, String(cert.stderr)).toBe(0);

    gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += String(chunk)));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, remotePort: req.socket.remotePort! });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ from: 'gateway', url: req.url }));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const gatewayPort = (gateway.address() as AddressInfo).port;
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    http = `http://127.0.0.1:${httpPort}`;
    https = `https://127.0.0.1:${httpsPort}`;

    const [major, minor, patch] = nginxVersion!;
    const hasResolve = major! * 1_000_000 + minor! * 1000 + patch! >= 1_027_003;
    const conf = readFileSync(join(dir, 'nginx.conf'), 'utf8');
    // One worker: each nginx worker keeps its own upstream keep-alive pool, so with `auto` on a many-core machine two
    // requests may land on different workers and the reuse check below would test the scheduler, not the file.
    // As the compose file runs it: no root (no `user` directive, ports above 1024), everything it writes in /tmp, the
    // container's tmpfs (here the test's own folder).
    expect(conf).not.toMatch(/^\s*user\s/m);
    const writes = [...conf.matchAll(/^\s*(pid|\w+_temp_path)\s+(\S+);/gm)].map((m) => m[2]!);
    expect(writes.length).toBe(6);
    for (const path of writes) expect(path, path).toMatch(/^\/tmp\//);
    const listens = [...conf.matchAll(/^\s*listen (\d+)/gm)].map((m) => Number(m[1]));
    expect(listens).toEqual([8080, 8443]);
    const rewritten = conf
      .replace('worker_processes auto;', 'worker_processes 1;')
      .replace(/listen 8080 /, `listen 127.0.0.1:${httpPort} `)
      .replace(/listen 8443 ssl /, `listen 127.0.0.1:${httpsPort} ssl `)
      .replaceAll(' /tmp/', ` ${dir}/`)
      .replaceAll('/etc/nginx/certs/', `${dir}/certs/`)
      .replace('server gateway:3000 resolve;', hasResolve ? `server 127.0.0.1:${gatewayPort} resolve;` : `server 127.0.0.1:${gatewayPort};`);
    // Each rewrite must have hit, or the test would be checking something else than the file.
    expect(rewritten).toContain('worker_processes 1;');
    expect(rewritten).toContain(`listen 127.0.0.1:${httpPort} `);
    expect(rewritten).toContain(`listen 127.0.0.1:${httpsPort} ssl `);
    expect(rewritten).toContain(`${dir}/certs/fullchain.pem`);
    expect(rewritten).toContain(`server 127.0.0.1:${gatewayPort}`);
    expect(rewritten).toContain(`pid ${dir}/nginx.pid;`);
    writeFileSync(join(dir, 'nginx.conf'), rewritten);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => gateway?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const nginxArgs = (...extra: string[]) => ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf'), ...(extra.length ? ['-g', extra.join('')] : [])];

  /** Where the test runs as root, nginx runs as nobody, with the folder opened to it. */
  const asNobody = (): { uid?: number; gid?: number } => {
    if (process.getuid?.() !== 0) return {};
    for (const path of [dir, join(dir, 'certs')]) chmodSync(path, 0o777);
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) chmodSync(join(dir, file), statSync(join(dir, file)).isDirectory() ? 0o777 : 0o666);
    return { uid: 65534, gid: 65534 };
  };

  it('passes `nginx -t`', () => {
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['nginx.conf', 'proxy-params.conf', 'tls-params.conf']));
    const check = spawnSync(NGINX, ['-t', ...nginxArgs()], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    expect(check.stderr).toContain('syntax is ok');
    expect(check.status, check.stderr).toBe(0);
  });

  it('serves: redirects HTTP to HTTPS, proxies Slack events and /health, hides /metrics and /ready', async () => {
    // A file, not a pipe: nginx opens /dev/stdout for its access log, which works on a file or a container's pipe but
    // not on the socket Node would give it.
    const log = openSync(join(dir, 'output.log'), 'a');
    // Not as root (where the test runs as root, as nobody), as the compose file runs it: the file must work so.
    nginx = spawn(NGINX, nginxArgs(' daemon off;'), { stdio: ['ignore', log, log], ...asNobody() });
    closeSync(log);
    await waitFor('nginx to listen', () => send(`${https}/health`).then((r) => r.status === 200, () => false), 10_000);

    // Plain HTTP only redirects.
    const redirect = await send(`${http}/slack/events`, { method: 'POST', body: '{}' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://127.0.0.1/slack/events');

    // /health reaches the gateway, over TLS, with HSTS.
    const health = await send(`${https}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ from: 'gateway', url: '/health' });
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(health.headers.server).toBe('nginx');

    // Operator-only endpoints never reach the gateway, however the path is spelt.
    const before = seen.length;
    for (const path of ['/metrics', '/metrics?x=1', '//metrics', '/%6Detrics', '/ready']) {
      const hidden = await send(`${https}${path}`);
      expect(hidden.status, path).toBe(403);
    }
    expect(seen.slice(before)).toEqual([]);

    // A Slack event arrives intact, with the forwarding headers the gateway needs.
    const body = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', text: '<@U1> hi' } });
    const event = await send(`${https}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-slack-signature': 'v0=abc', 'x-slack-request-timestamp': '1', host: 'xiaoliu.example.com' },
    });
    expect(event.status).toBe(200);
    const delivered = seen.at(-1)!;
    expect(delivered).toMatchObject({ method: 'POST', url: '/slack/events', body });
    expect(delivered.headers).toMatchObject({
      host: 'xiaoliu.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': 'xiaoliu.example.com',
      'x-real-ip': '127.0.0.1',
      'x-slack-signature': 'v0=abc',
      'x-slack-request-timestamp': '1',
    });
    // Upstream keep-alive: the connection to the gateway is reused (nginx sends no `Connection: close`).
    expect(delivered.headers.connection).toBeUndefined();
    await send(`${https}/health`);
    expect(seen.at(-1)!.remotePort).toBe(delivered.remotePort);

    // Slack only POSTs to the events URL.
    expect((await send(`${https}/slack/events`)).status).toBe(403);

    // Other paths go to the gateway (its own 404 for unknown ones).
    expect(JSON.parse((await send(`${https}/discord/interactions`, { method: 'POST', body: '{}' })).body)).toEqual({ from: 'gateway', url: '/discord/interactions' });

    // Bodies over the limit are refused before they reach the gateway.
    const count = seen.length;
    const large = await send(`${https}/slack/events`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 'a') });
    expect(large.status).toBe(413);
    expect(seen.length).toBe(count);

    // One JSON access log line per request.
    // (nginx writes the line just after the response, so wait for it.)
    const logged = () => readFileSync(join(dir, 'output.log'), 'utf8').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const last = await waitFor('the access log line', () => logged().find((entry) => entry.status === 413), 5000);
    expect(last).toMatchObject({ method: 'POST', uri: '/slack/events', status: 413 });
    expect(logged().find((entry) => entry.uri === '/slack/events' && entry.status === 200)).toMatchObject({ upstream: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });
});
