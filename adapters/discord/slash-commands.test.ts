import { PermissionFlagsBits } from 'discord.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDefaultRouter } from '../../src/commands/default-router.js';
import { INVITE_PERMISSIONS, inviteUrl } from './register-commands.js';
import { PROMPT_OPTION, slashCommands } from './slash-commands.js';

describe('slashCommands', () => {
  it('makes one command per router command, /ask with a required prompt', () => {
    const commands = slashCommands(createDefaultRouter().commands);
    expect(commands.map((c) => c.name).sort()).toEqual(['analyze', 'ask', 'audit', 'config', 'console', 'doc', 'forget', 'help', 'mcp', 'memories', 'palette', 'parallel', 'remember', 'reset', 'role', 'schedule', 'summarize', 'usage']);
    const ask = commands.find((c) => c.name === 'ask')!;
    // Every command that takes text also takes a file (an attachment option, type 11).
    expect(ask.options).toEqual([expect.objectContaining({ name: PROMPT_OPTION, type: 3, required: true }), expect.objectContaining({ name: 'file', type: 11, required: false })]);
    expect(commands.find((c) => c.name === 'reset')!.options).toBeUndefined();
    for (const c of commands) expect(c.description!.length).toBeLessThanOrEqual(100);
  });

  it('offers global commands in servers and DMs; a guild\'s go without contexts, which apply to global commands only', () => {
    const router = createDefaultRouter().commands;
    for (const c of slashCommands(router)) expect(c).toMatchObject({ contexts: [0, 1], integration_types: [0] });
    for (const c of slashCommands(router, 'guild')) {
      expect(c).not.toHaveProperty('contexts');
      expect(c).not.toHaveProperty('integration_types');
    }
  });
});

describe('the invite link', () => {
  it('asks for exactly the permissions Xiaoliu uses, as the README says', () => {
    const expected = [
      PermissionFlagsBits.ViewChannel,
      PermissionFlagsBits.SendMessages,
      PermissionFlagsBits.SendMessagesInThreads,
      PermissionFlagsBits.CreatePublicThreads,
      PermissionFlagsBits.ReadMessageHistory,
      PermissionFlagsBits.AttachFiles,
      PermissionFlagsBits.EmbedLinks,
    ].reduce((a, b) => a | b);
    expect(INVITE_PERMISSIONS).toBe(expected);
    const url = inviteUrl('140000000000000000');
    expect(url).toBe(`https://discord.com/oauth2/authorize?client_id=140000000000000000&scope=bot%20applications.commands&permissions=${expected}`);
    expect(readFileSync('README.md', 'utf8')).toContain(`permissions=${expected}`);
  });
});
