import type { Rgb } from '../../render/png-image.js';

/** WCAG 2.x level AA: least contrast for normal text. */
export const AA_NORMAL_TEXT = 4.5;
/** WCAG 2.x level AA: least contrast for large text (18pt, or 14pt bold) and for UI components. */
export const AA_LARGE_TEXT = 3;
/** WCAG 2.x level AAA: least contrast for normal text. */
export const AAA_NORMAL_TEXT = 7;

/** A colour written `#rgb` or `#rrggbb` (any case, surrounding spaces ignored); undefined for anything else. */
export function parseHex(text: string): Rgb | undefined {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!match) return undefined;
  const digits = match[1]!.length === 3 ? [...match[1]!].map((d) => d + d).join('') : match[1]!;
  return { r: parseInt(digits.slice(0, 2), 16), g: parseInt(digits.slice(2, 4), 16), b: parseInt(digits.slice(4, 6), 16) };
}

/** The colour as `#rrggbb`, lower case: one spelling per colour in tables and images. */
export function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * WCAG 2.x relative luminance: 0 for black, 1 for white. The spec's linearisation threshold was 0.03928 (from an old
 * sRGB draft) and is now 0.04045; no 8-bit channel value falls between the two, so either gives the same result.
 */
export function relativeLuminance({ r, g, b }: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG 2.x contrast ratio, from 1 (same luminance) to 21 (black on white); the order of the colours does not matter. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [lighter, darker] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

/**
 * The ratio as people read it, `4.47:1`. Truncated, not rounded, as WebAIM's checker does: rounding would show a
 * failing 4.497 as "4.50:1". The epsilon keeps float noise (4.57 * 100 = 456.999…) from losing a hundredth.
 */
export function formatRatio(ratio: number): string {
  return `${(Math.floor(ratio * 100 + 1e-9) / 100).toFixed(2)}:1`;
}

/** The best WCAG level a text/background pair reaches. */
export function wcagLevel(ratio: number): 'AAA' | 'AA' | 'AA large' | 'fail' {
  if (ratio >= AAA_NORMAL_TEXT) return 'AAA';
  if (ratio >= AA_NORMAL_TEXT) return 'AA';
  if (ratio >= AA_LARGE_TEXT) return 'AA large';
  return 'fail';
}

/** Black or white, whichever reads better on `background` (labels drawn on a swatch). */
export function readableOn(background: Rgb): Rgb {
  const black = { r: 0, g: 0, b: 0 };
  const white = { r: 255, g: 255, b: 255 };
  return contrastRatio(black, background) >= contrastRatio(white, background) ? black : white;
}
