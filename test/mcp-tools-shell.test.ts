import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellSession } from '../adapters/shell/shell-session.js';
import type { RunningApp } from '../src/app/start-app.js';
import { defaultSettings } from '../src/domain/channel-settings.js';
import { createRedis } from '../src/redis/create-redis.js';
import { saveChannelSettings } from '../src/store/channel-settings.js';
import { addMcpServer } from '../src/store/mcp-servers.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startMcpTestServer, type McpTestServer } from './fakes/mcp-test-server.js';
import { startTestApp, testConfig, TEST_REDIS_URL } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** The terminal has no buttons: its user answers a request with `/approve <id>` or `/deny <id>`. */
describe('MCP approvals in the terminal', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let mcp: McpTestServer;
  let app: RunningApp;
  let shell: ShellSession;
  let printed = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    mcp = await startMcpTestServer();
    const config = testConfig(database, model.url, { MCP_ALLOW_PRIVATE_NETWORKS: 'true', MCP_ALLOW_STDIO: 'true', XIAOLIU_ADMINS: 'shell:tester' });
    app = await startTestApp(config, []);
    const scope = { platform: 'shell', workspaceId: 'laptop' };
    await addMcpServer(database.sql, scope, { name: 'tracker', transport: 'http', url: mcp.url, command: null, headerNames: [], headersSealed: null, createdBy: 'test' });
    await saveChannelSettings(database.sql, { ...scope, channelId: 'tester.mcp' }, { ...defaultSettings(config), mcpTools: { tracker: ['create_ticket'] } }, 'mcp enable tracker create_ticket', 'test');
    const output = new PassThrough();
    output.on('data', (chunk) => (printed += String(chunk)));
    shell = new ShellSession({
      prefix: config.queuePrefix,
      workspaceId: 'laptop',
      channelId: 'tester.mcp',
      user: { id: 'tester', name: 'Tess' },
      subscriber: createRedis(TEST_REDIS_URL),
      ingress: app.ingress,
      output,
      filesDir: '/tmp/xiaoliu-test-files',
      tty: false,
    });
    await shell.start();
  });
  afterAll(async () => {
    await shell?.close();
    await app?.close();
    await mcp?.close();
    await model?.close();
    await database?.drop();
  });

  it('`/approve <id>` typed by the asker runs the call once and finishes the answer', async () => {
    model.enqueue({ kind: 'tool_use', name: 'mcp__tracker__create_ticket', input: { title: 'From the terminal' } });
    await shell.ask('file a ticket');
    const id = /type `\/approve ([0-9a-f]{12})`/.exec(printed)?.[1];
    expect(id).toBeDefined();
    expect(mcp.created).toEqual([]);
    model.enqueue({ kind: 'text', text: 'Filed from the terminal.' });
    await shell.ask(`/approve ${id}`);
    expect(printed).toContain('Filed from the terminal.');
    expect(mcp.created).toEqual([{ title: 'From the terminal' }]);
    await shell.ask(`/approve ${id}`);
    expect(printed).toContain('already been answered');
    expect(mcp.created).toHaveLength(1);
  });

  it('runs a local command as a server where the operator allows it, without handing it the worker’s environment', async () => {
    await shell.ask(`mcp add local --command "${process.execPath} --import tsx test/fakes/mcp-stdio-server.ts"`);
    expect(printed).toMatch(/Added .?local.? \(1 tool\)/);
    await shell.ask('mcp enable local');
    model.enqueue({ kind: 'tool_use', name: 'mcp__local__echo', input: { text: 'hello' } }, { kind: 'text', text: 'It echoed.' });
    await shell.ask('echo hello through the local server');
    expect(printed).toContain('It echoed.');
    const sent = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(sent).toContain('echo: hello; anthropic key visible: false');
  });
});
