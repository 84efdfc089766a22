import { describe, expect, it } from 'vitest';
import type { Command } from './command.js';
import { createRouter } from './router.js';

const command = (name: string, takesArgs: boolean, aliases: string[] = []): Command => ({
  name,
  aliases,
  takesArgs,
  summary: name,
  example: name,
  run: async () => {},
});
const help = command('help', false, ['帮助']);
const reset = command('reset', false, ['重置']);
const doc = { ...command('doc', true, ['文档']), toolDescription: 'Writes documents.', triggers: [/生成文档/, /\bwrite (?:a|the) doc/i] };
const chat = command('ask', true, ['chat']);
const router = createRouter([help, reset, doc], chat);

describe('router', () => {
  it.each([
    ['help', help, ''],
    ['  HELP  ', help, ''],
    ['/reset', reset, ''],
    ['重置', reset, ''],
    ['帮助', help, ''],
    ['doc a release checklist', doc, 'a release checklist'],
    ['文档 发布清单', doc, '发布清单'],
    ['doc\nmultiline\nrequest', doc, 'multiline\nrequest'],
  ])('routes %j to its command', (text, expected, args) => {
    expect(router.route({ text })).toEqual({ command: expected, args });
  });

  it.each([
    'help me write a poem',
    'reset my password, how?',
    'what does reset do?',
    'helpful tips please',
    '',
  ])('treats %j as a question for chat', (text) => {
    expect(router.route({ text })).toEqual({ command: chat, args: text.trim() });
  });

  it.each(['帮我生成文档：发布流程', 'Could you write a doc about our release process?'])(
    'sends %j to the skill its trigger phrase names, with the whole text',
    (text) => {
      expect(router.route({ text })).toEqual({ command: doc, args: text });
    },
  );

  it('lets an explicit command word win over a trigger phrase', () => {
    expect(router.route({ text: 'doc 生成文档的规范' })).toEqual({ command: doc, args: '生成文档的规范' });
    expect(router.route({ text: 'ask how do I write a doc?', command: { name: 'ask', args: 'how do I write a doc?' } }).command).toBe(chat);
    expect(router.route({ text: 'ask how do I write a doc?' })).toEqual({ command: chat, args: 'how do I write a doc?' });
  });

  it('uses the command a platform already split off (slash commands)', () => {
    expect(router.route({ text: 'ignored', command: { name: 'doc', args: ' spec ' } })).toEqual({ command: doc, args: 'spec' });
    expect(router.route({ text: '', command: { name: 'ask', args: 'why?' } })).toEqual({ command: chat, args: 'why?' });
    // A generic slash command (`/xiaoliu reset`) carries the words in its args.
    expect(router.route({ text: '', command: { name: 'xiaoliu', args: 'reset' } })).toEqual({ command: reset, args: '' });
  });

  it('lists every command, chat last, for help', () => {
    expect(router.commands.map((c) => c.name)).toEqual(['help', 'reset', 'doc', 'ask']);
  });
});
