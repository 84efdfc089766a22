import { CHAR_ADVANCE, GLYPH_HEIGHT, fitText, textWidth } from './bitmap-font.js';
import { PngImage, type Rgb } from './png-image.js';

/** What to chart: one bar per label (e.g. a day, "11-12"), left to right. */
export interface BarChartInput {
  title: string;
  bars: { label: string; value: number }[];
  /** Unit of the values, shown with the scale ("USD"). */
  unit: string;
}

/** Where everything sits, so callers and tests can find a bar without reading pixels. */
export interface BarChartLayout {
  width: number;
  height: number;
  /** x of the first bar slot (just right of the y axis). */
  plotLeft: number;
  /** y of the top of the scale: a bar of the largest value reaches it. */
  plotTop: number;
  /** y of the first row below the bars (the x axis). */
  baseline: number;
  /** Width of one bar's slot; the bar is centred in it. */
  slotWidth: number;
  barWidth: number;
  /** The largest value, the top of the scale. */
  max: number;
  /** The scale's top label, e.g. "12.50 USD". */
  maxLabel: string;
}

const MAX_BARS = 200;
const SLOT = 40;
const BAR = 28;
const PLOT_HEIGHT = 200;
const TITLE_SCALE = 2;
const MARGIN = 12;

const BACKGROUND: Rgb = { r: 0xff, g: 0xff, b: 0xff };
const INK: Rgb = { r: 0x33, g: 0x33, b: 0x33 };
const GRID: Rgb = { r: 0xe0, g: 0xe0, b: 0xe0 };
/** The bars' colour (exported so tests can tell a bar from the background). */
export const BAR_COLOUR: Rgb = { r: 0x3b, g: 0x82, b: 0xf6 };

/** The chart's geometry: a left margin wide enough for the scale's labels, then one slot per bar. */
export function barChartLayout({ bars, unit }: BarChartInput): BarChartLayout {
  if (bars.length > MAX_BARS) throw new RangeError(`a bar chart takes at most ${MAX_BARS} bars, got ${bars.length}`);
  for (const bar of bars) {
    if (!Number.isFinite(bar.value) || bar.value < 0) throw new RangeError(`bar "${bar.label}" has value ${bar.value}; values must be finite and not negative`);
  }
  const max = Math.max(0, ...bars.map((b) => b.value));
  const maxLabel = `${formatValue(max)} ${ascii(unit)}`.trim();
  const plotLeft = MARGIN + Math.max(textWidth(maxLabel), textWidth('0')) + 8;
  const plotTop = MARGIN + GLYPH_HEIGHT * TITLE_SCALE + 16;
  const baseline = plotTop + PLOT_HEIGHT;
  const width = plotLeft + Math.max(bars.length, 1) * SLOT + MARGIN;
  const height = baseline + 1 + 6 + GLYPH_HEIGHT + MARGIN;
  return { width, height, plotLeft, plotTop, baseline, slotWidth: SLOT, barWidth: BAR, max, maxLabel };
}

/**
 * A bar chart as a PNG (the usage command's last 14 days of spending): the title, a y axis labelled 0 and the
 * largest value, bars whose heights are proportional to their values (the largest reaches the top), and each bar's
 * label under it (every few bars when labels would overlap). Labels are drawn in ASCII only (see bitmap-font.ts).
 */
export function renderBarChart(input: BarChartInput): Buffer {
  const layout = barChartLayout(input);
  const { width, height, plotLeft, plotTop, baseline, slotWidth, barWidth, max, maxLabel } = layout;
  const image = new PngImage(width, height, BACKGROUND);
  image.drawText(fitText(ascii(input.title), width - 2 * MARGIN, TITLE_SCALE), MARGIN, MARGIN, INK, TITLE_SCALE);

  // Scale: a faint line at the top value, the axes, and the two labels right-aligned against the y axis.
  const plotRight = width - MARGIN;
  image.fillRect(plotLeft, plotTop, plotRight - plotLeft, 1, GRID);
  image.fillRect(plotLeft - 1, plotTop, 1, baseline - plotTop + 1, INK);
  image.fillRect(plotLeft - 1, baseline, plotRight - plotLeft + 1, 1, INK);
  const labelY = (y: number) => y - Math.floor(GLYPH_HEIGHT / 2);
  image.drawText(maxLabel, plotLeft - 6 - textWidth(maxLabel), labelY(plotTop), INK);
  image.drawText('0', plotLeft - 6 - textWidth('0'), labelY(baseline), INK);

  if (input.bars.length === 0) {
    image.drawText('no data', plotLeft + 8, plotTop + 8, INK);
    return image.encode();
  }
  const widest = Math.max(...input.bars.map((b) => textWidth(ascii(b.label))));
  const labelEvery = Math.max(1, Math.ceil((widest + CHAR_ADVANCE) / slotWidth));
  for (const [index, bar] of input.bars.entries()) {
    const slotLeft = plotLeft + index * slotWidth;
    const barHeight = max > 0 ? Math.round((bar.value / max) * (baseline - plotTop)) : 0;
    image.fillRect(slotLeft + (slotWidth - barWidth) / 2, baseline - barHeight, barWidth, barHeight, BAR_COLOUR);
    if (index % labelEvery === 0) {
      const label = ascii(bar.label);
      image.drawText(label, slotLeft + (slotWidth - textWidth(label)) / 2, baseline + 6, INK);
    }
  }
  return image.encode();
}

/** Enough digits to read, few enough to fit: 1234, 12.35, 0.0042. */
function formatValue(value: number): string {
  if (value === 0) return '0';
  if (value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Printable ASCII only: the bitmap font has no other glyphs, and `?` marks read worse than a gap. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
}
