import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a fake's HTTP server (port 0: any free one; 127.0.0.1 unless told otherwise) and returns its origin,
 * e.g. `http://127.0.0.1:54321`. A wildcard bind is reachable on loopback, but the wildcard itself is no usable URL.
 */
export async function listenLocal(server: Server, options: { port?: number; host?: string } = {}): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const reachable = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
