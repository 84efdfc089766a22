import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../domain/errors.js';
import { checkPairs, isBackgroundRole, isTextRole } from './check-pairs.js';
import { readPalette } from './read-palette.js';

describe('readPalette', () => {
  it('keeps valid colours in order, normalised, and sets the rest aside with a reason', () => {
    const palette = readPalette({
      name: '  Harbour\nCalm ',
      colours: [
        { role: 'primary', hex: '#1F6FEB', usage: 'buttons' },
        { role: 'accent', hex: '#12345g' },
        { role: 'text', hex: '#111' },
        { role: 'Primary', hex: '#000' },
        { hex: '#fff' },
        { role: 'border', hex: 42 },
      ],
    });
    expect(palette.name).toBe('Harbour Calm');
    expect(palette.colours.map((c) => [c.role, c.hex])).toEqual([
      ['primary', '#1f6feb'],
      ['text', '#111111'],
    ]);
    expect(palette.rejected.map((r) => [r.role, r.value])).toEqual([
      ['accent', '#12345g'],
      ['Primary', '#000'],
      ['colour 5', '#fff'],
      ['border', '42'],
    ]);
  });

  it.each([null, 'a palette', {}, { colours: [] }, { colours: 'red' }])('refuses %j as no palette at all', (input) => {
    expect(() => readPalette(input)).toThrow(UserFacingError);
  });

  it('refuses a palette with fewer than two valid colours, naming the bad values', () => {
    expect(() => readPalette({ name: 'x', colours: [{ role: 'primary', hex: 'blue' }, { role: 'text', hex: '#000' }] })).toThrow(
      /only 1 of the 2 proposed colours were usable \(primary: `blue` is not a hex colour/,
    );
  });
});

describe('checkPairs', () => {
  it('knows text roles from background roles', () => {
    expect(['text', 'muted-text', 'onPrimary', 'on surface', 'link', 'foreground'].every(isTextRole)).toBe(true);
    expect(['background', 'surface-variant', 'card', 'bg'].every(isBackgroundRole)).toBe(true);
    expect(['primary', 'accent', 'border'].some((r) => isTextRole(r) || isBackgroundRole(r))).toBe(false);
    expect(isBackgroundRole('text-on-surface')).toBe(false);
  });

  it('checks text on every background, on-X on X, and the pairs the model named, each once', () => {
    const palette = readPalette({
      name: 'p',
      colours: [
        { role: 'primary', hex: '#1f6feb' },
        { role: 'onPrimary', hex: '#ffffff' },
        { role: 'background', hex: '#ffffff' },
        { role: 'surface', hex: '#f1f5f9' },
        { role: 'text', hex: '#777777' },
        { role: 'accent', hex: 'nope' },
      ],
      pairs: [
        { text: 'text', background: 'primary' },
        { text: 'text', background: 'background' }, // already checked
        { text: 'text', background: 'accent' }, // invalid colour
        { text: 'text', background: 'brand' }, // no such role
      ],
    });
    const { checks, unchecked } = checkPairs(palette);
    expect(checks.map((c) => `${c.text.role}/${c.background.role}`)).toEqual([
      'onPrimary/primary',
      'text/background',
      'text/surface',
      'text/primary',
    ]);
    expect(checks[1]!.ratio).toBeCloseTo(4.478, 3);
    expect(checks.map((c) => c.passesAA)).toEqual([true, false, false, false]);
    expect(unchecked).toEqual(['text on accent: accent has no valid colour', 'text on brand: no colour has the role brand']);
  });
});
