import { describe, expect, it } from 'vitest';
import { toMrkdwn } from './format-mrkdwn.js';
import { displayWidth } from './mrkdwn-table.js';

const ZWSP = '\u200B';
const lines = (...parts: string[]): string => parts.join('\n');
// Written here rather than imported, so a bug in the converter's own escaping cannot hide from these tests.
const escape = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

describe('toMrkdwn', () => {
  describe.each<{ rule: string; cases: [markdown: string, mrkdwn: string][] }>([
    {
      rule: 'emphasis',
      cases: [
        ['**bold**', '*bold*'],
        ['__bold__', '*bold*'],
        ['*italic*', '_italic_'],
        ['_italic_', '_italic_'],
        ['***both***', '*_both_*'],
        ['~~strike~~', '~strike~'],
        ['a **bold _and italic_** word', 'a *bold _and italic_* word'],
        ['**Note:** read this', '*Note:* read this'],
        ['**unclosed bold', '**unclosed bold'],
        ['\\*not italic\\*', '*not italic*'],
      ],
    },
    {
      rule: 'links',
      cases: [
        ['[label](https://example.com)', '<https://example.com|label>'],
        ['[q](https://x.com/?a=1&b=2 "Title")', '<https://x.com/?a=1&amp;b=2|q>'],
        ['see https://example.com/a_b_c.', 'see https://example.com/a_b_c.'],
        ['(https://en.wikipedia.org/wiki/Foo_(bar))', '(https://en.wikipedia.org/wiki/Foo_(bar))'],
        ['<https://x.com/path>', '<https://x.com/path>'],
        ['<dev@example.com>', '<mailto:dev@example.com|dev@example.com>'],
        ['![diagram](https://x.com/a.png)', '<https://x.com/a.png|diagram>'],
        ['[**Docs** & <more>](https://d.com)', '<https://d.com|*Docs* &amp; &lt;more&gt;>'],
        ['[a | b](https://d.com/x|y)', '<https://d.com/x%7Cy|a \u2223 b>'],
        ['[![build](https://ci/badge.svg)](https://ci)', '<https://ci|build>'],
        ['[setup](docs/setup.md) [above](#install)', 'setup (docs/setup.md) above'],
        ['**see [docs](https://d.com)**.', '*see <https://d.com|docs>*.'],
      ],
    },
    {
      rule: 'headings',
      cases: [
        ['# One', '*One*'],
        ['###### Six', '*Six*'],
        ['## Closed ##', '*Closed*'],
        ['## **Already bold** and *em*', '*Already bold and _em_*'],
        ['# C#', '*C#*'],
        ['Setext\n===', '*Setext*'],
        ['#hashtag', '#hashtag'],
        ['####### seven', '####### seven'],
      ],
    },
    {
      rule: 'lists',
      cases: [
        ['- a\n* b\n+ c', '• a\n• b\n• c'],
        ['- a\n  - b\n    - c\n- d', '• a\n  ◦ b\n    ▪ c\n• d'],
        ['1. one\n   - sub\n2. two', '1. one\n   ◦ sub\n2. two'],
        ['1) **first**', '1) *first*'],
        ['- [ ] todo\n- [x] done', '• ☐ todo\n• ☑ done'],
        ['- a\n\n  more of a\n- b', '• a\n\n  more of a\n• b'],
      ],
    },
    {
      rule: 'blockquotes',
      cases: [
        ['> x', '> x'],
        ['> **bold** quote\n> - item\n>\n> end', '> *bold* quote\n> • item\n>\n> end'],
        ['> a\n> > nested\n>> b', '> a\n> nested\n> b'],
        ['a > b', 'a &gt; b'],
      ],
    },
    {
      rule: 'horizontal rules',
      cases: [
        ['---', '──────────'],
        ['***', '──────────'],
        ['___', '──────────'],
        ['- - -', '──────────'],
        ['text\n\n---\nmore', 'text\n\n──────────\nmore'],
      ],
    },
    {
      rule: 'code',
      cases: [
        ['```ts\nconst a = **b** && <c>;\n```', '```\nconst a = **b** &amp;&amp; &lt;c&gt;;\n```'],
        ['~~~\n# not a heading\n- not a list\n~~~', '```\n# not a heading\n- not a list\n```'],
        ['1. run:\n   ```sh\n   npm i\n     nested\n   ```', '1. run:\n```\nnpm i\n  nested\n```'],
        ['```py\nunclosed while streaming', '```\nunclosed while streaming\n```'],
        ['use `**x** <b> @here` now', 'use `**x** &lt;b&gt; @here` now'],
        ['`` a`b `` and ```inline```', '`a`b` and `inline`'],
        ['`unclosed **bold**', '`unclosed *bold*'],
      ],
    },
    {
      rule: 'escaping',
      cases: [
        ['Tom & Jerry <3 > all', 'Tom &amp; Jerry &lt;3 &gt; all'],
        ['&amp; stays literal', '&amp;amp; stays literal'],
        ['<div>html</div>', '&lt;div&gt;html&lt;/div&gt;'],
      ],
    },
    {
      rule: 'mentions',
      cases: [
        ['<!channel> <!here> <!everyone>', '&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt;'],
        ['<!subteam^S123|@devs> <@U123> <#C1>', '&lt;!subteam^S123|@devs&gt; &lt;@U123&gt; &lt;#C1&gt;'],
        ['@channel, @here and @Everyone', `@${ZWSP}channel, @${ZWSP}here and @${ZWSP}Everyone`],
        ['**@here** [@channel](https://x.com)', `*@${ZWSP}here* <https://x.com|@${ZWSP}channel>`],
        ['mail admin@here.com', 'mail admin@here.com'],
        ['[x](<!channel>) <javascript:alert(1)>', 'x (!channel) <javascript:alert(1)>'],
      ],
    },
    {
      rule: 'look-alikes that are not markup',
      cases: [
        ['2*3*4 = 24', '2*3*4 = 24'],
        ['a * b * c', 'a * b * c'],
        ['snake_case_names and __init__', 'snake_case_names and *init*'],
        ['/usr/local/bin and ~/src', '/usr/local/bin and ~/src'],
        ['src/**/*.ts, rm *.txt *.log file_*.md', 'src/**/*.ts, rm *.txt *.log file_*.md'],
        ['~5 min, ~10 max', '~5 min, ~10 max'],
        [':tada: :white_check_mark:', ':tada: :white_check_mark:'],
        ['你好，世界！（测试）“引号”：完成。', '你好，世界！（测试）“引号”：完成。'],
        ['中文_下划线_和*星号', '中文_下划线_和*星号'],
      ],
    },
    {
      // Slack shows the asterisks unless a marker touches a space or ASCII punctuation, which CJK never provides.
      rule: 'CJK emphasis',
      cases: [
        ['这是**重要**的。', '这是 *重要* 的。'],
        ['**注意：**请保存', '*注意：* 请保存'],
        ['（**括号**）', '（ *括号* ）'],
        ['运行`npm i`即可', '运行 `npm i` 即可'],
        ['“**引用**”', '“ *引用* ”'],
        ['删除~~旧的~~内容', '删除 ~旧的~ 内容'],
      ],
    },
  ])('$rule', ({ cases }) => {
    it.each(cases)('%j → %j', (input, expected) => {
      expect(toMrkdwn(input)).toBe(expected);
    });
  });

  describe('tables', () => {
    it('become a code block with padded columns and a separator under the header', () => {
      const table = lines('| Name | Age |', '|------|-----|', '| Alice | 30 |', '| Bob | 4 |');
      expect(toMrkdwn(table)).toBe(lines('```', 'Name  | Age', '------+----', 'Alice | 30', 'Bob   | 4', '```'));
    });

    it.each([
      {
        name: 'CJK counts double',
        table: ['| 名字 | x |', '|---|---|', '| 小柳 | 1 |', '| ab | 2 |'],
        block: ['名字 | x', '-----+--', '小柳 | 1', 'ab   | 2'],
      },
      {
        name: 'alignment',
        table: ['| l | c | r |', '|:--|:-:|--:|', '| a | b | c |', '| aaa | bbb | ccc |'],
        block: ['l   |  c  |   r', '----+-----+----', 'a   |  b  |   c', 'aaa | bbb | ccc'],
      },
      {
        name: 'markup becomes plain',
        table: ['| **k** | v |', '|---|---|', '| `x` | [d](https://d) |'],
        block: ['k | v', '--+--------------', 'x | d (https://d)'],
      },
    ])('$name', ({ table, block }) => {
      expect(toMrkdwn(lines(...table))).toBe(lines('```', ...block, '```'));
    });

    it('escapes after padding, pads short rows and splits at unescaped pipes only', () => {
      const table = lines('| a | b |', '|---|---|', '| x < y |', '| p \\| q | z |');
      expect(toMrkdwn(table)).toBe(lines('```', 'a     | b', '------+--', 'x &lt; y |', 'p | q | z', '```'));
      expect(toMrkdwn('| a |\n|---|\n| 1<br>2<br/>3 |')).toBe(lines('```', 'a', '-----', '1 2 3', '```'));
    });

    it('need a delimiter row with a pipe, so a rule under text with a pipe is not a table', () => {
      expect(toMrkdwn('a | b\n---')).toBe('*a | b*');
      expect(toMrkdwn('a | b\n\n---')).toBe('a | b\n\n──────────');
    });

    it('measures display width', () => {
      expect(displayWidth('abc')).toBe(3);
      expect(displayWidth('小柳')).toBe(4);
      expect(displayWidth('，。')).toBe(4);
      expect(displayWidth('e\u0301')).toBe(1);
      expect(displayWidth('🎉')).toBe(2);
    });
  });

  it('never lets a mention or broadcast through', () => {
    const attacks = ['<!channel>', '<!here|here>', '<!everyone>', '<!subteam^S1>', '<@U123>', '<@W9|bob>', '<#C1>'];
    for (const attack of attacks) {
      const contexts = [attack, `**${attack}**`, `\`${attack}\``, `[${attack}](https://x)`, `| ${attack} |\n|---|`];
      for (const markdown of [...contexts, `\`\`\`\n${attack}\n\`\`\``, `> - ${attack}`, `# ${attack}`]) {
        expect(toMrkdwn(markdown)).not.toMatch(/<[!@#]/);
      }
    }
    expect(toMrkdwn('hey @channel @here @everyone')).not.toMatch(/@(channel|here|everyone)/);
  });

  it('converts a realistic mixed answer', () => {
    const answer = lines(
      '## 安装步骤 (Setup)',
      '',
      'Follow these steps — it takes **2 minutes**:',
      '',
      '1. Install the CLI:',
      '   ```bash',
      '   npm install -g xiaoliu && echo "**not bold** <html>"',
      '   ```',
      '2. Configure it, see [the docs](https://example.com/docs?a=1&b=2).',
      '   - Use `--verbose` for *more* output',
      '   - Set `XIAOLIU_TOKEN`',
      '',
      '| Option | 默认值 | Notes |',
      '|---|:-:|--:|',
      '| `timeout` | 30s | **seconds** |',
      '| 语言 | 中文 | a < b |',
      '',
      '> **Note:** never share your token with @channel.',
      '',
      '---',
      'Questions? Ask in #help :wave:',
    );
    expect(toMrkdwn(answer)).toBe(
      lines(
        '*安装步骤 (Setup)*',
        '',
        'Follow these steps — it takes *2 minutes*:',
        '',
        '1. Install the CLI:',
        '```',
        'npm install -g xiaoliu &amp;&amp; echo "**not bold** &lt;html&gt;"',
        '```',
        '2. Configure it, see <https://example.com/docs?a=1&amp;b=2|the docs>.',
        '   ◦ Use `--verbose` for _more_ output',
        '   ◦ Set `XIAOLIU_TOKEN`',
        '',
        '```',
        'Option  | 默认值 |   Notes',
        '--------+--------+--------',
        'timeout |  30s   | seconds',
        '语言    |  中文  |   a &lt; b',
        '```',
        '',
        `> *Note:* never share your token with @${ZWSP}channel.`,
        '',
        '──────────',
        'Questions? Ask in #help :wave:',
      ),
    );
  });

  it('keeps code block contents apart from &<> escaping, whatever they hold', () => {
    const alphabet = ['*', '**', '_', '~~', '`', '[a](https://b)', '<', '>', '&', '|', '# ', '- ', '> ', '@here'];
    alphabet.push('<!channel>', ' ', '\t', 'x', '小柳', '，', '\n', '\\', ':tada:', '---', '| a |');
    const random = mulberry32(42);
    for (let n = 0; n < 500; n++) {
      const length = Math.floor(random() * 40);
      let content = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
      content = content.replace(/^[ \t]*`{3,}/gm, '``'); // a line of ``` would close the block; that is not content
      const lang = ['', 'ts', 'python', 'sh'][n % 4]!;
      expect(toMrkdwn(`\`\`\`${lang}\n${content}\n\`\`\``)).toBe(`\`\`\`\n${escape(content)}\n\`\`\``);
      const inline = content.replace(/[`\n]/g, '').trim();
      if (inline) expect(toMrkdwn(`\`${inline}\``)).toBe(`\`${escape(inline)}\``);
    }
  });

  it('keeps line structure and CRLF input', () => {
    expect(toMrkdwn('a\r\n\r\nb\n')).toBe('a\n\nb\n');
    expect(toMrkdwn('')).toBe('');
  });
});

/** A small seeded PRNG, so the generated cases are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
