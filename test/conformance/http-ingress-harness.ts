import { createApiKey } from '../../adapters/http/api-keys.js';
import { queuedStatus } from '../../src/ingress/herald.js';
import { readSse, type SseEvent } from '../support/read-sse.js';
import { startTestApp, testConfig } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { IngressHarness } from './ingress-conformance.js';

/** A gateway with the HTTP API (no worker): a request is queued, then waits; the harness reads what it streams. */
export async function httpIngressHarness(): Promise<IngressHarness> {
  const database = await createTestDatabase();
  const config = testConfig(database, 'http://127.0.0.1:9', { HTTP_API: 'true' });
  const app = await startTestApp(config, [], { gateway: true, worker: false });
  const { key } = await createApiKey(database.sql, 'alice', 'conformance');
  const requests = new AbortController();
  /** What each question's stream has said so far, by the question. */
  const streams = new Map<string, SseEvent[]>();
  const ask = (body: { message: string; files?: object[] }) => {
    const events: SseEvent[] = [];
    streams.set(body.message, events);
    // The answer never comes (no worker): the request is left waiting until close.
    void fetch(`http://127.0.0.1:${app.port}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal: requests.signal,
    })
      .then((response) => readSse(response, events))
      .catch(() => {});
  };
  return {
    queuePrefix: config.queuePrefix,
    dm: async (message) => ask({ message }),
    dmWithFile: async (message, file) => ask({ message, files: [{ name: file.name, mime_type: file.mimeType, data: file.data.toString('base64') }] }),
    async queuedSigns(message) {
      const events = streams.get(message.text) ?? [];
      return events.filter((e) => e.event === 'queued').map((e) => `queued: ${queuedStatus((e.data as { ahead: number | null }).ahead ?? undefined)}`);
    },
    signSaysWhere: true,
    async close() {
      requests.abort();
      await app.close();
      await database.drop();
    },
  };
}
