import { AA_NORMAL_TEXT, contrastRatio } from './contrast.js';
import { normalizeRole, type PaletteColour, type ProposedPalette } from './read-palette.js';

/** One text/background pair and the contrast Xiaoliu computed for it. */
export interface PairCheck {
  text: PaletteColour;
  background: PaletteColour;
  ratio: number;
  /** At least 4.5:1, WCAG AA for normal text. */
  passesAA: boolean;
}

/** The pairs checked, and pairs the model named that could not be checked. */
export interface PairReport {
  checks: PairCheck[];
  /** Human-readable reasons, e.g. "text on brand: no colour has the role brand". */
  unchecked: string[];
}

/** Enough rows for any sensible palette; more would bury the table. */
const MAX_CHECKS = 30;

// Roles are free text from the model, so kinds are guessed from common words ("muted-text", "surface-variant").
const TEXT_WORDS = /(^|-)(text|foreground|fg|ink|link|heading|headings|title)(-|$)/;
const BACKGROUND_WORDS = /(^|-)(background|backgrounds|bg|surface|canvas|card|paper|base|backdrop)(-|$)/;

/** Whether a role names a colour text is drawn in (`text`, `muted-text`, `on-primary`). */
export function isTextRole(role: string): boolean {
  const r = normalizeRole(role);
  return r.startsWith('on-') || TEXT_WORDS.test(r);
}

/** Whether a role names a colour text is drawn on (`background`, `surface`, `card`). */
export function isBackgroundRole(role: string): boolean {
  return !isTextRole(role) && BACKGROUND_WORDS.test(normalizeRole(role));
}

/**
 * Which pairs to check, and their contrast, all computed here (the model's own claims are never used): every
 * plain text role on every background role; each `on-X` role on X (the text of a button on the button), or on the
 * backgrounds when there is no X; and every pair the model named. `on-primary` is not checked on the page
 * background: white-on-blue button text would be flagged as white on white, a pair nobody uses.
 */
export function checkPairs(palette: ProposedPalette): PairReport {
  const byRole = new Map(palette.colours.map((c) => [normalizeRole(c.role), c]));
  const rejected = new Set(palette.rejected.map((r) => normalizeRole(r.role)));
  const texts = palette.colours.filter((c) => isTextRole(c.role));
  const backgrounds = palette.colours.filter((c) => isBackgroundRole(c.role));
  const pairs: [PaletteColour, PaletteColour][] = [];
  for (const text of texts) {
    const role = normalizeRole(text.role);
    const own = role.startsWith('on-') ? byRole.get(role.slice(3)) : undefined;
    for (const background of own ? [own] : backgrounds) pairs.push([text, background]);
  }
  const unchecked: string[] = [];
  for (const named of palette.namedPairs) {
    const text = byRole.get(normalizeRole(named.text));
    const background = byRole.get(normalizeRole(named.background));
    const missing = [named.text, named.background].find((role) => !byRole.has(normalizeRole(role)));
    if (text && background) pairs.push([text, background]);
    else if (missing !== undefined) {
      const why = rejected.has(normalizeRole(missing)) ? `${missing} has no valid colour` : `no colour has the role ${missing}`;
      unchecked.push(`${named.text} on ${named.background}: ${why}`);
    }
  }
  const seen = new Set<string>();
  const checks: PairCheck[] = [];
  for (const [text, background] of pairs) {
    const key = `${normalizeRole(text.role)}\n${normalizeRole(background.role)}`;
    if (seen.has(key) || text === background || checks.length >= MAX_CHECKS) continue;
    seen.add(key);
    const ratio = contrastRatio(text.rgb, background.rgb);
    checks.push({ text, background, ratio, passesAA: ratio >= AA_NORMAL_TEXT });
  }
  return { checks, unchecked };
}
