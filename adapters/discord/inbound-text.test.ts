import { describe, expect, it } from 'vitest';
import { fromDiscordText, summonsBot, threadName, type MentionNames } from './inbound-text.js';

const names: MentionNames = {
  botId: '100000000000000001',
  botRoleId: '300000000000000009',
  users: new Map([['200000000000000002', 'Alice']]),
  roles: new Map([['300000000000000003', 'oncall']]),
  channels: new Map([['400000000000000004', 'deploys']]),
};

describe('fromDiscordText', () => {
  it('drops the summons and writes other mentions as names', () => {
    const text = '<@100000000000000001>  ask <@!200000000000000002> and <@&300000000000000003> about <#400000000000000004>';
    expect(fromDiscordText(text, names)).toBe('ask @Alice and @oncall about #deploys');
  });

  it('treats a mention of the bot role like one of the bot', () => {
    expect(fromDiscordText('<@&300000000000000009> hi', names)).toBe('hi');
    expect(summonsBot('<@&300000000000000009> hi', names.botId, names.botRoleId)).toBe(true);
  });

  it('names unknown ids generically, and renders emoji, timestamps and command mentions', () => {
    const text = 'hey <@999999999999999999> <:party:123456789012345678> at <t:1700000000:R>, try </ask:123456789012345678>';
    expect(fromDiscordText(text, names)).toBe('hey @someone :party: at 2023-11-14T22:13:20.000Z, try /ask');
  });

  it('keeps Markdown and code untouched', () => {
    const text = '<@100000000000000001> why does\n```ts\nconst a = b  *  2;\n```\nfail?';
    expect(fromDiscordText(text, names)).toBe('why does\n```ts\nconst a = b * 2;\n```\nfail?');
  });
});

describe('summonsBot', () => {
  it('sees the user mention in both forms, and not someone else', () => {
    expect(summonsBot('hi <@100000000000000001>', names.botId)).toBe(true);
    expect(summonsBot('hi <@!100000000000000001>', names.botId)).toBe(true);
    expect(summonsBot('hi <@200000000000000002>', names.botId)).toBe(false);
    expect(summonsBot('hi <@&300000000000000009>', names.botId)).toBe(false);
  });
});

describe('threadName', () => {
  it('uses the first line of the question, without heading or quote markers', () => {
    expect(threadName('## How do I  rotate keys?\nmore detail')).toBe('How do I rotate keys?');
    expect(threadName('> quoted C# question')).toBe('quoted C# question');
  });

  it('fits Discord’s 100 characters and never comes out empty', () => {
    const name = threadName('word '.repeat(40));
    expect([...name].length).toBeLessThanOrEqual(100);
    expect(name.endsWith('…')).toBe(true);
    expect(threadName('   \n  ')).toBe('Question for Xiaoliu');
    expect([...threadName('问'.repeat(150))].length).toBe(100);
  });
});
