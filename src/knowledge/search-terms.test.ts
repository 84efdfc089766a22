import { describe, expect, it } from 'vitest';
import { permalinkOf } from './permalink.js';
import { searchQueryOf } from './search-terms.js';

describe('searchQueryOf', () => {
  it('cuts Chinese into overlapping bigrams and keeps words whole, all required', () => {
    expect(searchQueryOf('部署日 Deploy')).toBe("'部署' & '署日' & 'deploy'");
    expect(searchQueryOf('周')).toBe("'周'");
  });
  it('quotes what tsquery would read as syntax', () => {
    expect(searchQueryOf("it's a & b | !c")).toBe("'it' & 's' & 'a' & 'b' & 'c'");
    expect(searchQueryOf('&|!()')).toBeUndefined();
  });
});

describe('permalinkOf', () => {
  it('links Discord messages, through their thread when in one', () => {
    expect(permalinkOf({ platform: 'discord', workspaceId: 'G', channelId: 'C' }, 'M1', 'M1')).toBe('https://discord.com/channels/G/C/M1');
    expect(permalinkOf({ platform: 'discord', workspaceId: 'G', channelId: 'C' }, 'M1', 'M2')).toBe('https://discord.com/channels/G/M1/M2');
  });
  it('links Slack messages in the chat.getPermalink form, with the thread for a reply', () => {
    expect(permalinkOf({ platform: 'slack', workspaceId: 'T', channelId: 'C1' }, '1700000000.000100', '1700000000.000100')).toBe('https://slack.com/archives/C1/p1700000000000100');
    expect(permalinkOf({ platform: 'slack', workspaceId: 'T', channelId: 'C1' }, '1700000000.000100', '1700000005.000200')).toBe(
      'https://slack.com/archives/C1/p1700000005000200?thread_ts=1700000000.000100&cid=C1',
    );
  });
  it('has none without a message or thread id, or on a platform without links', () => {
    expect(permalinkOf({ platform: 'discord', workspaceId: 'G', channelId: 'C' }, '-', undefined)).toBeUndefined();
    expect(permalinkOf({ platform: 'http', workspaceId: 'api:u', channelId: 'x' }, 'T', 'M')).toBeUndefined();
  });
});
