import { describe, expect, it } from 'vitest';
import { decodePng } from '../../test/support/decode-png.js';
import { toHex } from '../skills/palette/contrast.js';
import { BAR_COLOUR, barChartLayout, renderBarChart, type BarChartInput } from './render-bar-chart.js';

const BAR = toHex(BAR_COLOUR);

/** Fourteen days of spending, as the usage command charts them. */
const fortnight: BarChartInput = {
  title: 'Spending, last 14 days',
  unit: 'USD',
  bars: [0.5, 1.25, 0, 3.4, 2, 2.5, 0.1, 5, 3, 1, 0.75, 2.2, 3.9, 1.5].map((value, i) => ({
    label: `11-${String(i + 1).padStart(2, '0')}`,
    value,
  })),
};

/** Height of the bar in slot `index`, measured by walking up its centre column from the x axis. */
function measuredHeight(png: ReturnType<typeof decodePng>, input: BarChartInput, index: number): number {
  const { plotLeft, slotWidth, baseline } = barChartLayout(input);
  const x = plotLeft + index * slotWidth + Math.floor(slotWidth / 2);
  let height = 0;
  while (png.hexAt(x, baseline - 1 - height) === BAR) height++;
  return height;
}

describe('renderBarChart', () => {
  it('draws a valid PNG of the size its layout gives', () => {
    const png = decodePng(renderBarChart(fortnight));
    const layout = barChartLayout(fortnight);
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    expect(layout.width).toBe(layout.plotLeft + 14 * layout.slotWidth + 12);
    expect(layout.maxLabel).toBe('5.00 USD');
  });

  it('makes bar heights proportional to the values, the largest reaching the top of the scale', () => {
    const png = decodePng(renderBarChart(fortnight));
    const { plotTop, baseline } = barChartLayout(fortnight);
    const full = baseline - plotTop;
    expect(full).toBe(200);
    const heights = fortnight.bars.map((_, i) => measuredHeight(png, fortnight, i));
    expect(heights).toEqual(fortnight.bars.map((b) => Math.round((b.value / 5) * full)));
    expect(heights[7]).toBe(200); // 5 USD: the full scale
    expect(heights[3]).toBe(136); // 3.4 USD
    expect(heights[2]).toBe(0); // a day with no spending has no bar
  });

  it('draws the axes and the labels in ink, leaving the gaps between bars clear', () => {
    const png = decodePng(renderBarChart(fortnight));
    const { plotLeft, plotTop, baseline, slotWidth, barWidth } = barChartLayout(fortnight);
    expect(png.hexAt(plotLeft - 1, plotTop + 50)).toBe('#333333'); // y axis
    expect(png.hexAt(plotLeft + 100, baseline)).toBe('#333333'); // x axis
    expect(png.hexAt(plotLeft + 1, baseline - 1)).toBe('#ffffff'); // gap before the first bar
    expect(png.hexAt(plotLeft + (slotWidth - barWidth) / 2, baseline - 1)).toBe(BAR); // the first bar's left edge
    const inkBelow = Array.from({ length: slotWidth }, (_, dx) => Array.from({ length: 7 }, (_, dy) => png.hexAt(plotLeft + dx, baseline + 6 + dy)));
    expect(inkBelow.flat()).toContain('#333333'); // the first day's label
  });

  it('handles no bars, all-zero values and non-ASCII titles without failing', () => {
    expect(decodePng(renderBarChart({ title: '花费', bars: [], unit: 'USD' })).width).toBeGreaterThan(0);
    const zeros: BarChartInput = { title: '#频道 spending', unit: 'USD', bars: [{ label: '11-01', value: 0 }, { label: '11-02', value: 0 }] };
    const png = decodePng(renderBarChart(zeros));
    expect(measuredHeight(png, zeros, 0)).toBe(0);
    expect(barChartLayout(zeros).maxLabel).toBe('0 USD');
  });

  it('refuses negative or non-finite values (a caller bug, not something to draw)', () => {
    expect(() => renderBarChart({ title: 't', unit: 'USD', bars: [{ label: 'a', value: -1 }] })).toThrow(RangeError);
    expect(() => renderBarChart({ title: 't', unit: 'USD', bars: [{ label: 'a', value: Number.NaN }] })).toThrow(RangeError);
  });
});
