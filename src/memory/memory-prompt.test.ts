import { describe, expect, it } from 'vitest';
import type { Memory } from '../store/memories.js';
import { MEMORY_PROMPT_CHARS, noteOf } from './memory-prompt.js';

const memory = (id: number, text: string, scope: Memory['scope'] = 'channel'): Memory => ({ id, scope, authorId: 'U1', authorName: 'Ann', text, createdAt: '2026-12-01 10:00:00+00' });

describe('noteOf', () => {
  it('says who told each channel fact, and marks the asker\'s own', () => {
    expect(noteOf([memory(1, 'deploy day is Tuesday'), memory(2, 'I like tables', 'person')], 'Bob')).toBe(
      'Facts the people here asked you to remember (true unless the conversation says otherwise):\n- deploy day is Tuesday (told by Ann)\n- I like tables (Bob\'s own note)',
    );
  });

  it('keeps the newest within the size budget and says how many older ones were left out', () => {
    const many = Array.from({ length: 40 }, (_, i) => memory(i + 1, `fact ${i + 1} ${'x'.repeat(480)}`));
    const note = noteOf(many, 'Bob')!;
    expect(note.length).toBeLessThan(MEMORY_PROMPT_CHARS + 300);
    expect(note).toContain('fact 40 ');
    expect(note).not.toContain('fact 1 ');
    expect(note).toMatch(/\((3\d) older memories were left out for length\.\)$/);
  });

  it('is nothing without memories', () => {
    expect(noteOf([], 'Bob')).toBeUndefined();
  });
});
