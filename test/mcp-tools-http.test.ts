import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../adapters/http/api-keys.js';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import { defaultSettings } from '../src/domain/channel-settings.js';
import { saveChannelSettings } from '../src/store/channel-settings.js';
import { addMcpServer } from '../src/store/mcp-servers.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startMcpTestServer, type McpTestServer } from './fakes/mcp-test-server.js';
import { startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** Server-sent events of a finished response, in order (the API's `event:` / `data:` lines). */
function parseSse(text: string): { event: string; data: any }[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => ({
      event: /^event: (.+)$/m.exec(block)?.[1] ?? 'message',
      data: JSON.parse(block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')),
    }));
}

/** The console's (and any API client's) approvals: an `approval` event in the stream, and an endpoint to answer it. */
describe('MCP approvals through the HTTP API', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let mcp: McpTestServer;
  let config: Config;
  let app: RunningApp;
  let base: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    mcp = await startMcpTestServer();
    config = testConfig(database, model.url, { MCP_ALLOW_PRIVATE_NETWORKS: 'true', XIAOLIU_ADMINS: 'http:alice' });
    app = await startTestApp(config, []);
    base = `http://127.0.0.1:${app.port}`;
    alice = (await createApiKey(database.sql, 'alice', 'test')).key;
    bob = (await createApiKey(database.sql, 'bob', 'test')).key;
    // An API user is a workspace of their own (api:<user>), the channel their user id.
    const scope = { platform: 'http', workspaceId: 'api:alice' };
    await addMcpServer(database.sql, scope, { name: 'tracker', transport: 'http', url: mcp.url, command: null, headerNames: [], headersSealed: null, createdBy: 'test' });
    await saveChannelSettings(database.sql, { ...scope, channelId: 'alice' }, { ...defaultSettings(config), mcpTools: { tracker: ['*'] } }, 'mcp enable tracker', 'test');
  });
  afterAll(async () => {
    await app?.close();
    await mcp?.close();
    await model?.close();
    await database?.drop();
  });

  const post = (key: string, path: string, body: unknown, accept = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept }, body: JSON.stringify(body) });

  it('streams an `approval` event; only the asker’s key may approve; the approval returns the rest of the answer, once', async () => {
    model.enqueue({ kind: 'tool_use', name: 'mcp__tracker__create_ticket', input: { title: 'From the console' } });
    const events = parseSse(await (await post(alice, '/v1/chat', { message: 'file a ticket' }, 'text/event-stream')).text());
    const approval = events.find((e) => e.event === 'approval');
    expect(approval?.data).toMatchObject({ approve_url: expect.stringMatching(/^\/v1\/approvals\/[0-9a-f]{12}\/approve$/) });
    expect(approval!.data.text).toContain('create_ticket');
    expect(events.at(-1)!.event).toBe('done');
    expect(mcp.created).toEqual([]);

    // Bob's key does not find Alice's request.
    expect((await post(bob, approval!.data.approve_url, {})).status).toBe(404);
    model.enqueue({ kind: 'text', text: 'Filed from the console.' });
    const approved = await post(alice, approval!.data.approve_url, {});
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as { answer: string }).answer).toContain('Filed from the console.');
    expect(mcp.created).toEqual([{ title: 'From the console' }]);
    // A second click is refused: it was answered.
    expect((await post(alice, approval!.data.approve_url, {})).status).toBe(409);
    expect(mcp.created).toHaveLength(1);
  });

  it('Deny ends the answer with a clear message', async () => {
    model.enqueue({ kind: 'tool_use', name: 'mcp__tracker__create_ticket', input: { title: 'Denied' } });
    const body = (await (await post(alice, '/v1/chat', { message: 'file another' })).json()) as { answer: string };
    const id = /Waiting for alice to approve `create_ticket` on tracker \(request `([0-9a-f]{12})`\)/.exec(body.answer)![1]!;
    const denied = await post(alice, `/v1/approvals/${id}/deny`, {});
    expect(((await denied.json()) as { answer: string }).answer).toMatch(/denied running `create_ticket`.*did not run it/);
    expect(mcp.created.map((c) => c.title)).not.toContain('Denied');
  });

  it('without MCP_SECRET_KEY a server with credentials is refused, naming the variable; without MCP_ALLOW_STDIO so is a local command', async () => {
    const say = async (message: string) => ((await (await post(alice, '/v1/chat', { message })).json()) as { answer: string }).answer;
    expect(await say(`mcp add secret ${mcp.url} --header "Authorization: Bearer abc"`)).toMatch(/MCP_SECRET_KEY.*Nothing was saved/);
    expect(await say('mcp add local --command "node server.js"')).toContain('MCP_ALLOW_STDIO');
    const [row] = await database.sql`select count(*)::int as n from mcp_servers where name in ('secret', 'local')`;
    expect(row!.n).toBe(0);
  });
});
