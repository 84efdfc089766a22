import { createApiKey } from '../../adapters/http/api-keys.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

/** A gateway with the HTTP API (no worker): a request is queued, then waits; the harness does not wait with it. */
export async function httpIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const config = testConfig(database, 'http://127.0.0.1:9', { HTTP_API: 'true' });
  const app = await startTestApp(config, [], { gateway: true, worker: false });
  const { key } = await createApiKey(database.sql, 'alice', 'conformance');
  const requests = new AbortController();
  return {
    queuePrefix: config.queuePrefix,
    async dm(message) {
      // The answer never comes (no worker): the request is left waiting until close.
      void fetch(`http://127.0.0.1:${app.port}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
        signal: requests.signal,
      }).catch(() => {});
    },
    async close() {
      requests.abort();
      await app.close();
      await database.drop();
    },
  };
}
