import { UserFacingError } from '../../domain/errors.js';
import type { Rgb } from '../../render/png-image.js';
import { parseHex, toHex } from './contrast.js';

/** A colour of the palette whose hex parsed. */
export interface PaletteColour {
  /** The role as the model wrote it ("primary", "on-primary", "muted text"). */
  role: string;
  /** `#rrggbb`, lower case. */
  hex: string;
  rgb: Rgb;
  usage?: string;
}

/** A proposed colour that is left out, and why. */
export interface RejectedColour {
  role: string;
  /** What the model sent, cut to a readable length. */
  value: string;
  reason: string;
}

/** The model's proposal after validation: only what Xiaoliu checked itself. */
export interface ProposedPalette {
  name: string;
  description?: string;
  colours: PaletteColour[];
  rejected: RejectedColour[];
  /** Text/background pairs the model says are used together, by role. */
  namedPairs: { text: string; background: string }[];
}

/** Most colours shown; a palette is a handful, and four blocks per row keep the image readable. */
export const MAX_COLOURS = 12;
/** Fewer valid colours than this is no palette: the answer is refused. */
export const MIN_VALID_COLOURS = 2;

/**
 * Validates the `propose_palette` tool input. Colours whose hex is not `#rgb`/`#rrggbb`, with no role or a repeated
 * role are set aside with a reason (shown to the user); input that is not a palette at all, or leaves fewer than
 * two valid colours, is refused with a UserFacingError.
 */
export function readPalette(input: unknown): ProposedPalette {
  if (!isRecord(input) || !Array.isArray(input.colours) || input.colours.length === 0) {
    throw new UserFacingError('Claude did not propose any colours for that. Please try again, perhaps describing the mood or product.');
  }
  const name = text(input.name, 80) || 'Untitled palette';
  const description = text(input.description, 400) || undefined;
  const colours: PaletteColour[] = [];
  const rejected: RejectedColour[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of input.colours.entries()) {
    const role = isRecord(entry) ? text(entry.role, 40) : '';
    const rawHex = isRecord(entry) ? entry.hex : undefined;
    const value = typeof rawHex === 'string' ? rawHex.slice(0, 40) : JSON.stringify(rawHex ?? null).slice(0, 40);
    const label = role || `colour ${index + 1}`;
    const rgb = typeof rawHex === 'string' ? parseHex(rawHex) : undefined;
    if (!role) rejected.push({ role: label, value, reason: 'has no role' });
    else if (!rgb) rejected.push({ role, value, reason: 'is not a hex colour (`#rgb` or `#rrggbb`)' });
    else if (seen.has(normalizeRole(role))) rejected.push({ role, value, reason: 'repeats a role already given' });
    else if (colours.length >= MAX_COLOURS) rejected.push({ role, value, reason: `is past the first ${MAX_COLOURS} colours` });
    else {
      seen.add(normalizeRole(role));
      const usage = isRecord(entry) ? text(entry.usage, 160) : '';
      colours.push({ role, hex: toHex(rgb), rgb, ...(usage ? { usage } : {}) });
    }
  }
  if (colours.length < MIN_VALID_COLOURS) {
    const problems = rejected.map((r) => `${r.role}: \`${r.value.replace(/`/g, '')}\` ${r.reason}`).join('; ');
    throw new UserFacingError(
      `I could not make a palette: only ${colours.length} of the ${input.colours.length} proposed colours were usable` +
        (problems ? ` (${problems})` : '') +
        '. Please ask again.',
    );
  }
  const namedPairs = (Array.isArray(input.pairs) ? input.pairs : [])
    .filter(isRecord)
    .map((pair) => ({ text: text(pair.text, 40), background: text(pair.background, 40) }))
    .filter((pair) => pair.text && pair.background)
    .slice(0, 20);
  return { name, ...(description ? { description } : {}), colours, rejected, namedPairs };
}

/** One spelling per role for matching: "onPrimary", "On Primary" and "on_primary" are all `on-primary`. */
export function normalizeRole(role: string): string {
  return role
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, on one line, trimmed and cut to `max` characters; '' when it is not a string. */
function text(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
