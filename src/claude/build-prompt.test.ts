import { describe, expect, it } from 'vitest';
import { buildPrompt } from './build-prompt.js';

const user = (authorName: string, text: string, tokens = 10) => ({ role: 'user' as const, authorName, text, tokens });
const bot = (text: string, tokens = 10) => ({ role: 'assistant' as const, authorName: 'Xiaoliu', text, tokens });

function texts(prompt: ReturnType<typeof buildPrompt>): string[][] {
  return prompt.messages.map((m) => (m.content as { text: string }[]).map((b) => b.text));
}

describe('buildPrompt', () => {
  it('names the speaker of every user turn and keeps turns in order', () => {
    const prompt = buildPrompt('sys', [user('Ann', 'hi'), bot('hello Ann'), user('Bo', 'and me?')], 1000);
    expect(texts(prompt)).toEqual([['[Ann] hi'], ['hello Ann'], ['[Bo] and me?']]);
    expect(prompt.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('drops the oldest turns first to stay within the token budget, and never opens with the assistant', () => {
    const history = [user('A', 'one', 100), bot('two', 100), user('A', 'three', 100), bot('four', 100), user('A', 'q', 5)];
    const prompt = buildPrompt('sys', history, 250);
    expect(texts(prompt)).toEqual([['[A] three'], ['four'], ['[A] q']]);
    expect(prompt.dropped).toBe(2);
    const tight = buildPrompt('sys', history, 150);
    expect(texts(tight)).toEqual([['[A] q']]);
  });

  it('always sends the question, even when it alone exceeds the budget', () => {
    const prompt = buildPrompt('sys', [user('A', 'old'), bot('ans'), user('A', 'huge', 10_000)], 100);
    expect(texts(prompt)).toEqual([['[A] huge']]);
  });

  it('merges unanswered questions into one user turn so roles alternate', () => {
    const prompt = buildPrompt('sys', [user('A', 'first'), user('B', 'second')], 1000);
    expect(texts(prompt)).toEqual([['[A] first', '[B] second']]);
  });

  it('marks the system prompt and the end of the earlier turns as the cached prefix', () => {
    const prompt = buildPrompt('sys', [user('A', 'q1'), bot('a1'), user('A', 'q2')], 1000);
    expect(prompt.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    const blocks = prompt.messages.map((m) => (m.content as { cache_control?: unknown }[]).at(-1)?.cache_control);
    expect(blocks).toEqual([undefined, { type: 'ephemeral' }, undefined]);
  });

  it('sends files before their words, the newest 20 images of the thread, and names older ones left out', () => {
    const image = (name: string) => ({ name, kind: 'image' as const, mediaType: 'image/png', data: Buffer.from(name), tokens: 100, pages: 0 });
    const history = [
      { ...user('A', 'old shots'), files: Array.from({ length: 5 }, (_, i) => image(`old-${i}.png`)) },
      bot('seen'),
      { ...user('A', 'new shots'), files: Array.from({ length: 18 }, (_, i) => image(`new-${i}.png`)) },
    ];
    const prompt = buildPrompt('sys', history, 1000);
    const first = prompt.messages[0]!.content as { type: string; text?: string }[];
    // 18 new + 2 old = 20: the three oldest are named instead of sent.
    expect(first.filter((b) => b.type === 'image')).toHaveLength(2);
    expect(first.at(-1)!.text).toBe("[A] old shots\n(Attached earlier, not shown again to stay within the request's limits: `old-2.png`, `old-3.png`, `old-4.png`.)");
    const question = prompt.messages[2]!.content as { type: string; cache_control?: unknown }[];
    expect(question.map((b) => b.type)).toEqual([...Array(18).fill('image'), 'text']);
    // The question's last file is a cache breakpoint: the next turn reads the files from the cache.
    expect(question[17]!.cache_control).toEqual({ type: 'ephemeral' });
  });
});
