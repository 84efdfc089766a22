import { html, type SafeHtml } from './html.js';

/** One bar: its label on the axis and its value (non-negative). */
export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  /** Unique on the page: the title and description are referred to by id. */
  id: string;
  title: string;
  desc: string;
  bars: Bar[];
  /** How a value is written beside its bar. */
  format: (value: number) => string;
  /** `columns`: one per day, left to right; `rows`: ranked groups, biggest on top. */
  layout: 'columns' | 'rows';
}

/**
 * A bar chart drawn on the server as SVG: no script, no library, nothing for the page's CSP to allow. Screen readers
 * get `role="img"` named by the SVG's <title> and described by its <desc>; each bar has a <title> of its own (its
 * label and value, also a tooltip), and the page shows the same figures in a table beside it. Colours come from the
 * console's stylesheet (classes), never from inline style.
 */
export function barChartSvg(options: BarChartOptions): SafeHtml {
  return options.layout === 'columns' ? columns(options) : rows(options);
}

function frame(o: BarChartOptions, width: number, height: number, body: SafeHtml): SafeHtml {
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc"><title id="${o.id}-title">${o.title}</title><desc id="${o.id}-desc">${o.desc}</desc>${body}</svg>`;
}

function columns(o: BarChartOptions): SafeHtml {
  const width = 640;
  const height = 220;
  const top = 20;
  const bottom = 30;
  const plot = height - top - bottom;
  const max = Math.max(...o.bars.map((b) => b.value), 0) || 1;
  const step = width / Math.max(1, o.bars.length);
  const barWidth = Math.max(4, step * 0.7);
  const body = o.bars.map((b, i) => {
    const h = Math.round((b.value / max) * plot);
    const x = Math.round(i * step + (step - barWidth) / 2);
    return html`<g><title>${b.label}: ${o.format(b.value)}</title><rect class="bar" x="${x}" y="${top + plot - h}" width="${Math.round(barWidth)}" height="${Math.max(h, b.value > 0 ? 1 : 0)}"></rect><text class="axis" x="${Math.round(i * step + step / 2)}" y="${height - 10}" text-anchor="middle">${b.label}</text></g>`;
  });
  const axis = html`<line class="baseline" x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}"></line><text class="axis" x="2" y="12">max ${o.format(max)}</text>`;
  return frame(o, width, height, html`${axis}${body}`);
}

function rows(o: BarChartOptions): SafeHtml {
  const width = 640;
  const rowHeight = 26;
  const labelWidth = 190;
  const valueWidth = 90;
  const height = Math.max(1, o.bars.length) * rowHeight + 8;
  const max = Math.max(...o.bars.map((b) => b.value), 0) || 1;
  const plot = width - labelWidth - valueWidth;
  const body = o.bars.map((b, i) => {
    const y = 4 + i * rowHeight;
    const w = Math.round((b.value / max) * plot);
    const label = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
    return html`<g><title>${b.label}: ${o.format(b.value)}</title><text class="axis" x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${label}</text><rect class="bar" x="${labelWidth}" y="${y + 4}" width="${Math.max(w, b.value > 0 ? 1 : 0)}" height="${rowHeight - 8}"></rect><text class="value" x="${labelWidth + w + 6}" y="${y + 17}">${o.format(b.value)}</text></g>`;
  });
  return frame(o, width, height, html`${body}`);
}
