import { describe, expect, it } from 'vitest';
import { fromSlackText, mentionsBot } from './from-slack-text.js';

describe('fromSlackText', () => {
  it.each([
    ['<@UBOT> what is 2 &lt; 3?', 'what is 2 < 3?'],
    ['hey <@UBOT|xiaoliu>, read <https://example.com/a?b=1&amp;c=2|the doc>', 'hey , read [the doc](https://example.com/a?b=1&c=2)'],
    ['see <https://example.com>', 'see https://example.com'],
    ['ask <@U123> in <#C42|general>', 'ask @U123 in #general'],
    ['<!here> is this <@U9|ann>?', '@here is this @ann?'],
    ['code: `a &amp;&amp; b`', 'code: `a && b`'],
    ['写一份文档 <@UBOT>', '写一份文档'],
  ])('%j → %j', (input, output) => {
    expect(fromSlackText(input, 'UBOT')).toBe(output);
  });

  it('knows when the bot is mentioned', () => {
    expect(mentionsBot('hi <@UBOT>', 'UBOT')).toBe(true);
    expect(mentionsBot('hi <@UOTHER>', 'UBOT')).toBe(false);
    expect(mentionsBot(undefined, 'UBOT')).toBe(false);
  });
});
