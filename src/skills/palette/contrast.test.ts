import { describe, expect, it } from 'vitest';
import { contrastRatio, formatRatio, parseHex, readableOn, relativeLuminance, toHex, wcagLevel } from './contrast.js';

const hex = (text: string) => {
  const rgb = parseHex(text);
  if (!rgb) throw new Error(`bad test colour ${text}`);
  return rgb;
};

describe('parseHex', () => {
  it.each([
    ['#fff', { r: 255, g: 255, b: 255 }],
    ['#FFF', { r: 255, g: 255, b: 255 }],
    ['#1F6feB', { r: 0x1f, g: 0x6f, b: 0xeb }],
    ['#09c', { r: 0x00, g: 0x99, b: 0xcc }],
    [' #000000 ', { r: 0, g: 0, b: 0 }],
  ])('reads %j', (text, rgb) => {
    expect(parseHex(text)).toEqual(rgb);
  });

  it.each(['fff', '#ffff', '#12345', '#1234567', '#12345g', '#ggg', 'blue', 'rgb(0,0,0)', '', '#', '#ff ff ff', '##ffffff'])(
    'rejects %j',
    (text) => {
      expect(parseHex(text)).toBeUndefined();
    },
  );

  it('writes colours back as lower-case #rrggbb', () => {
    expect(toHex(hex('#ABC'))).toBe('#aabbcc');
  });
});

describe('WCAG 2.x contrast', () => {
  it('gives black and white their relative luminance of 0 and 1', () => {
    expect(relativeLuminance(hex('#000'))).toBe(0);
    expect(relativeLuminance(hex('#fff'))).toBeCloseTo(1, 12);
    expect(relativeLuminance(hex('#777'))).toBeCloseTo(0.1845, 4);
  });

  // Reference values as published by WebAIM's contrast checker and the WCAG understanding documents.
  it.each([
    ['#000000', '#ffffff', 21, '21.00:1'],
    ['#777777', '#ffffff', 4.478, '4.47:1'], // the classic "just fails AA" grey
    ['#767676', '#ffffff', 4.542, '4.54:1'], // the lightest grey that passes AA on white
    ['#595959', '#ffffff', 7.005, '7.00:1'], // the lightest grey that passes AAA on white
    ['#ff0000', '#ffffff', 3.998, '3.99:1'],
    ['#0000ff', '#ffffff', 8.592, '8.59:1'],
    ['#808080', '#ffffff', 3.949, '3.94:1'],
    ['#00ff00', '#000000', 15.304, '15.30:1'],
    ['#ffffff', '#ffffff', 1, '1.00:1'],
  ])('%s on %s is %f:1', (text, background, ratio, shown) => {
    expect(contrastRatio(hex(text), hex(background))).toBeCloseTo(ratio, 3);
    expect(contrastRatio(hex(background), hex(text))).toBeCloseTo(ratio, 3); // order does not matter
    expect(formatRatio(contrastRatio(hex(text), hex(background)))).toBe(shown);
  });

  it('never rounds a ratio up past a threshold, and survives float noise', () => {
    expect(formatRatio(4.4999)).toBe('4.49:1');
    expect(formatRatio(4.57)).toBe('4.57:1');
  });

  it('grades ratios against the AA and AAA thresholds', () => {
    expect([wcagLevel(21), wcagLevel(7), wcagLevel(6.99), wcagLevel(4.5), wcagLevel(4.49), wcagLevel(3), wcagLevel(2.99)]).toEqual([
      'AAA',
      'AAA',
      'AA',
      'AA',
      'AA large',
      'AA large',
      'fail',
    ]);
  });

  it('labels light colours in black and dark colours in white', () => {
    expect(readableOn(hex('#ffffff'))).toEqual({ r: 0, g: 0, b: 0 });
    expect(readableOn(hex('#f59e0b'))).toEqual({ r: 0, g: 0, b: 0 });
    expect(readableOn(hex('#1a1a1a'))).toEqual({ r: 255, g: 255, b: 255 });
    expect(readableOn(hex('#1f6feb'))).toEqual({ r: 255, g: 255, b: 255 });
  });
});
