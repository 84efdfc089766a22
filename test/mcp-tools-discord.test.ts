import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveChannelSettings } from '../src/store/channel-settings.js';
import { addMcpServer } from '../src/store/mcp-servers.js';
import { setRole } from '../src/store/user-roles.js';
import { defaultSettings } from '../src/domain/channel-settings.js';
import { approvalIdOf } from '../src/tools/tool-approval.js';
import type { FakeMessage } from './fakes/fake-discord.js';
import { startMcpTestServer, type McpTestServer } from './fakes/mcp-test-server.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitFor } from './support/wait-for.js';

type Row = { type: number; components: { type: number; custom_id: string; label: string }[] };
const buttonsOn = (message: FakeMessage | undefined): string[] =>
  (((message as { components?: Row[] } | undefined)?.components ?? []) as Row[]).flatMap((row) => row.components.map((c) => c.custom_id));

/**
 * MCP tools over the real discord.js gateway against the fake Discord: the approval's buttons are message components
 * (MESSAGE_COMPONENT interactions, https://discord.com/developers/docs/interactions/message-components), and a real
 * MCP server on loopback does the work.
 */
describe('MCP tools on Discord: approval by component, once', () => {
  let t: DiscordTestApp;
  let mcp: McpTestServer;

  beforeAll(async () => {
    mcp = await startMcpTestServer();
    t = await startDiscordTestApp({ MCP_ALLOW_PRIVATE_NETWORKS: 'true' });
    await setRole(t.database.sql, { platform: 'discord', workspaceId: t.discord.guildId }, t.alice.id, 'admin', 'test');
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  const say = (text: string, channelId = t.discord.channelId) => {
    const m = t.discord.sendMessage({ channelId, author: t.alice, content: `${t.mention} ${text}` });
    return { id: `discord-${m.id}`, thread: m.id };
  };
  const press = (thread: string, message: FakeMessage, customId: string, user = t.alice) =>
    t.discord.sendInteraction({ type: 3, channelId: thread, messageId: message.id, customId, user });

  it('waits for the asker’s Approve; a double click runs the tool once; someone else’s click runs nothing', async () => {
    const added = say(`mcp add tracker ${mcp.url}`);
    await t.answered(added.id);
    expect(t.botMessages(added.thread).at(-1)!.content).toMatch(/Added \*\*?tracker\*\*? \(3 tools\)/);
    const enabled = say('mcp enable tracker lookup create_ticket');
    await t.answered(enabled.id);
    expect(t.botMessages(enabled.thread).at(-1)!.content).toContain('tracker is on here (lookup, create_ticket)');

    t.model.enqueue(
      { kind: 'tool_use', name: 'mcp__tracker__lookup', input: { query: '7' } },
      { kind: 'tool_use', name: 'mcp__tracker__create_ticket', input: { title: 'From Discord' } },
    );
    const asked = say('look up 7 and file a ticket');
    await t.answered(asked.id);
    const id = approvalIdOf(asked.id);
    const request = await waitFor('the approval request', () => t.botMessages(asked.thread).find((m) => buttonsOn(m).includes(`xl:approve:${id}`)));
    expect(buttonsOn(request)).toEqual([`xl:approve:${id}`, `xl:deny:${id}`]);
    expect(mcp.created).toEqual([]);

    const refused = press(asked.thread, request, `xl:approve:${id}`, t.bob);
    await waitFor('the refusal to Bob', () => t.discord.interactionResponses(refused.id).find((r) => r.kind === 'followUp'));
    expect(mcp.created).toEqual([]);

    t.model.enqueue({ kind: 'text', text: 'Filed from Discord.' });
    const one = press(asked.thread, request, `xl:approve:${id}`);
    press(asked.thread, request, `xl:approve:${id}`);
    await t.answered(`${asked.id}#approval-${id}`);
    expect(t.discord.interactionResponses(one.id)[0]).toMatchObject({ kind: 'callback', type: 6 });
    expect(mcp.created).toEqual([{ title: 'From Discord' }]);
    expect(t.botMessages(asked.thread).at(-1)!.content).toContain('Filed from Discord.');
    const settled = t.botMessages(asked.thread).find((m) => m.id === request.id)!;
    expect(settled.content).toMatch(/Approved by/);
    expect(buttonsOn(settled)).toEqual([]);
    const rows = await t.database.sql`select tool, outcome, approved_by from tool_calls order by id`;
    expect(rows.map((r) => [r.tool, r.outcome, r.approved_by !== null])).toEqual([
      ['lookup', 'ok', false],
      ['create_ticket', 'ok', true],
    ]);
  });
});

describe('MCP approvals that nobody answers lapse', () => {
  let t: DiscordTestApp;
  let mcp: McpTestServer;

  beforeAll(async () => {
    mcp = await startMcpTestServer();
    t = await startDiscordTestApp({ MCP_ALLOW_PRIVATE_NETWORKS: 'true', MCP_APPROVAL_TIMEOUT_MS: '1000' });
    const scope = { platform: 'discord', workspaceId: t.discord.guildId };
    await addMcpServer(t.database.sql, scope, { name: 'tracker', transport: 'http', url: mcp.url, command: null, headerNames: [], headersSealed: null, createdBy: 'test' });
    await saveChannelSettings(t.database.sql, { ...scope, channelId: t.discord.channelId }, { ...defaultSettings(t.config), mcpTools: { tracker: ['*'] } }, 'mcp enable tracker', 'test');
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  it('a call not approved in time ends with a clear message, runs nothing, and a click after it changes nothing', async () => {
    t.model.enqueue({ kind: 'tool_use', name: 'mcp__tracker__create_ticket', input: { title: 'Too late' } });
    const m = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} file a ticket` });
    const asked = `discord-${m.id}`;
    const id = approvalIdOf(asked);
    await t.answered(`${asked}#approval-${id}`);
    expect(t.botMessages(m.id).at(-1)!.content).toMatch(/Nobody approved running `create_ticket` on tracker in time.*did not run it/);
    const request = t.botMessages(m.id).find((msg) => /Not approved in time/.test(msg.content))!;
    expect(buttonsOn(request)).toEqual([]);
    const late = t.discord.sendInteraction({ type: 3, channelId: m.id, messageId: request.id, customId: `xl:approve:${id}`, user: t.alice });
    const notice = await waitFor('the late notice', () => t.discord.interactionResponses(late.id).find((r) => r.kind === 'followUp'));
    expect(JSON.stringify(notice)).toMatch(/expired|already been answered/);
    expect(mcp.created).toEqual([]);
    const [row] = await t.database.sql`select outcome from tool_calls where tool = 'create_ticket'`;
    expect(row!.outcome).toBe('expired');
  });
});
