import { describe, expect, it } from 'vitest';
import { estimateTokens } from './estimate-tokens.js';

describe('estimateTokens', () => {
  it('is 0 for empty text', () => {
    expect(estimateTokens('')).toBe(0);
  });

  it('counts English at a token per 4 characters, rounded up', () => {
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens(' ')).toBe(1);
    const sentence = 'The quick brown fox jumps over the lazy dog.'; // 44 characters
    expect(estimateTokens(sentence)).toBe(11);
  });

  it('counts each Chinese character, kana and hangul syllable as a token', () => {
    expect(estimateTokens('你好世界')).toBe(4);
    expect(estimateTokens('ひらがなカタカナ')).toBe(8);
    expect(estimateTokens('안녕하세요')).toBe(5);
    // Fullwidth punctuation between CJK characters is counted like them.
    expect(estimateTokens('你好，世界。')).toBe(6);
    // An ideograph outside the BMP is one character, though two UTF-16 units.
    expect(estimateTokens('𠀀')).toBe(1);
  });

  it('adds the two rates for mixed text', () => {
    // 3 CJK characters + "Claude " and " API" (11 characters → 3 tokens).
    expect(estimateTokens('Claude 的中文 API')).toBe(3 + 3);
    expect(estimateTokens('小柳 says hi')).toBe(2 + 2); // " says hi" is 8 characters
  });

  it('never estimates Chinese lower than the same length of English', () => {
    const chinese = '这是一个用于测试的中文句子';
    expect(estimateTokens(chinese)).toBeGreaterThan(estimateTokens('x'.repeat(chinese.length)));
  });
});
