import { fitText } from '../../render/bitmap-font.js';
import { PngImage, type Rgb } from '../../render/png-image.js';
import { readableOn, toHex } from './contrast.js';

/** One colour to show. */
export interface SwatchColour {
  role: string;
  colour: Rgb;
}

/**
 * Fixed geometry, so a block's centre is known without reading the image: block i sits at column i % COLUMNS,
 * row ⌊i / COLUMNS⌋, its top-left corner at (GUTTER + column·(BLOCK_WIDTH+GUTTER), HEADER + row·(BLOCK_HEIGHT+GUTTER)).
 * Labels stay in the bottom third of a block, so its centre is always the bare colour.
 */
export const SWATCH_LAYOUT = {
  blockWidth: 160,
  blockHeight: 120,
  gutter: 12,
  /** Height of the title band above the first row, top margin included. */
  header: 40,
  /** Blocks per row. */
  columns: 4,
} as const;

const CANVAS: Rgb = { r: 0xf5, g: 0xf5, b: 0xf5 };
const TITLE: Rgb = { r: 0x22, g: 0x22, b: 0x22 };
const BORDER: Rgb = { r: 0xd0, g: 0xd0, b: 0xd0 };
const LABEL_PADDING = 8;

/**
 * A PNG of the palette: its name on top, then one block per colour labelled with its role and hex code, in black or
 * white, whichever contrasts more with the block. The font is ASCII-only, so non-ASCII text (a Chinese palette name
 * or role) is left out of the image rather than drawn as `?`; the Markdown answer next to it has the full names.
 */
export function renderSwatch(name: string, colours: readonly SwatchColour[]): Buffer {
  const { blockWidth, blockHeight, gutter, header, columns } = SWATCH_LAYOUT;
  if (colours.length === 0) throw new RangeError('a swatch needs at least one colour');
  const used = Math.min(colours.length, columns);
  const rows = Math.ceil(colours.length / columns);
  const image = new PngImage(gutter + used * (blockWidth + gutter), header + rows * (blockHeight + gutter), CANVAS);

  const title = asciiOnly(name) || 'Palette';
  image.drawText(fitText(title, image.width - 2 * gutter, 2), gutter, 14, TITLE, 2);

  for (const [index, { role, colour }] of colours.entries()) {
    const x = gutter + (index % columns) * (blockWidth + gutter);
    const y = header + Math.floor(index / columns) * (blockHeight + gutter);
    // A hairline frame keeps a block the colour of the canvas (white, light grey) visible.
    image.fillRect(x - 1, y - 1, blockWidth + 2, blockHeight + 2, BORDER);
    image.fillRect(x, y, blockWidth, blockHeight, colour);
    const ink = readableOn(colour);
    const labelWidth = blockWidth - 2 * LABEL_PADDING;
    image.drawText(fitText(asciiOnly(role), labelWidth, 1), x + LABEL_PADDING, y + blockHeight - 35, ink, 1);
    image.drawText(toHex(colour), x + LABEL_PADDING, y + blockHeight - 22, ink, 2);
  }
  return image.encode();
}

/** The printable ASCII of `text`, spaces collapsed: what the bitmap font can draw faithfully. */
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
}
