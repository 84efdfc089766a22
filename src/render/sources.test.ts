import { describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { sourcesFooter, sourcesOf } from './sources.js';

const cite = (url: string, title: string | null): Anthropic.TextCitationParam => ({ type: 'web_search_result_location', url, title, encrypted_index: 'x', cited_text: 'y' });

describe('sourcesOf', () => {
  it('lists cited pages in the order first cited, once each, then pages that were read; only http(s)', () => {
    const content: Anthropic.ContentBlockParam[] = [
      { type: 'text', text: 'a', citations: [cite('https://a.example/1', 'A'), cite('javascript:alert(1)', 'X')] },
      { type: 'text', text: 'b', citations: [cite('https://b.example/', null), cite('https://a.example/1#part', 'A again')] },
      {
        type: 'web_fetch_tool_result',
        tool_use_id: 'srvtoolu_1',
        content: { type: 'web_fetch_result', url: 'https://c.example/doc', content: { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '…' }, title: 'C\ndoc' } },
      },
      { type: 'web_fetch_tool_result', tool_use_id: 'srvtoolu_2', content: { type: 'web_fetch_tool_result_error', error_code: 'url_not_allowed' } },
    ];
    expect(sourcesOf(content)).toEqual([
      { url: 'https://a.example/1', title: 'A' },
      { url: 'https://b.example/', title: 'b.example' },
      { url: 'https://c.example/doc', title: 'C doc' },
    ]);
  });
});

describe('sourcesFooter', () => {
  const sources = [{ url: 'https://a.example/x', title: 'A [b] | c' }];
  it('renders per platform: links on Slack and Discord (no unfurl), a list in the terminal, nothing in the API text', () => {
    expect(sourcesFooter('slack', sources)).toBe('\n\n**Sources**\n1. [A (b) ¦ c](https://a.example/x)');
    expect(sourcesFooter('discord', sources)).toBe('\n\n**Sources**\n1. [A (b) ¦ c](<https://a.example/x>)');
    expect(sourcesFooter('shell', sources)).toBe('\n\nSources:\n  [1] A [b] | c — https://a.example/x');
    expect(sourcesFooter('http', sources)).toBe('');
    expect(sourcesFooter('slack', [])).toBe('');
  });
});
