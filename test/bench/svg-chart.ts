/**
 * A grouped bar chart as a standalone SVG string, for the benchmark figures in docs/bench/. Plain
 * text so the charts diff in git and render on GitHub; no dependency for a few rectangles.
 */

export interface Series {
  readonly name: string;
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
}

export interface BarChart {
  readonly title: string;
  /** One group of bars per category (x axis). */
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  readonly yLabel: string;
  /** Top of the y axis; default: the largest value, rounded up. */
  readonly yMax?: number;
  /** Dashed marks drawn across each group, e.g. an ideal value. */
  readonly marks?: { readonly name: string; readonly values: ReadonlyArray<number | null> };
  readonly format?: (value: number) => string;
}

const W = 720;
const H = 360;
const PAD = { left: 70, right: 20, top: 44, bottom: 70 };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/** The opening of every chart: the svg element, a white background, the title, and the y axis's five grid lines with labels. */
function chartOpening(title: string, yMax: number, y: (v: number) => number, format: (v: number) => string): string[] {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#dddddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#444444">${esc(format(v))}</text>`);
  }
  return out;
}

/**
 * Where each legend entry starts: one row, each entry as wide as its swatch and name (about 7 px a
 * character at 12 px), from the plot's left edge, or further left when the row would not fit.
 */
function legendPositions(names: readonly string[]): number[] {
  const widths = names.map((name) => 24 + name.length * 7 + 20);
  let x = Math.max(10, Math.min(PAD.left, W - PAD.right - widths.reduce((a, b) => a + b, 0)));
  return widths.map((w) => {
    const start = x;
    x += w;
    return start;
  });
}

export function barChart(chart: BarChart): string {
  const format = chart.format ?? ((v: number) => String(Math.round(v)));
  const all = chart.series.flatMap((s) => s.values).concat(chart.marks?.values ?? []).filter((v): v is number => v !== null);
  const yMax = chart.yMax ?? niceMax(Math.max(0, ...all));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const groupW = plotW / Math.max(1, chart.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  const out = chartOpening(chart.title, yMax, y, format);
  out.push(`<text x="16" y="${PAD.top + plotH / 2}" transform="rotate(-90 16 ${PAD.top + plotH / 2})" text-anchor="middle" fill="#444444">${esc(chart.yLabel)}</text>`);
  chart.categories.forEach((category, c) => {
    const x0 = PAD.left + c * groupW + groupW * 0.1;
    chart.series.forEach((s, i) => {
      const v = s.values[c];
      if (v === null || v === undefined) return;
      const x = x0 + i * barW;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}, ${category}: ${format(v)}`)}</title></rect>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222222">${esc(format(v))}</text>`);
    });
    const mark = chart.marks?.values[c];
    if (mark !== null && mark !== undefined) {
      out.push(`<line x1="${x0.toFixed(1)}" x2="${(x0 + groupW * 0.8).toFixed(1)}" y1="${y(mark).toFixed(1)}" y2="${y(mark).toFixed(1)}" stroke="#222222" stroke-dasharray="5 3" stroke-width="1.5"/>`);
    }
    out.push(`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${esc(category)}</text>`);
  });
  const legend = [...chart.series.map((s) => ({ name: s.name, color: s.color, dashed: false })), ...(chart.marks ? [{ name: chart.marks.name, color: '#222222', dashed: true }] : [])];
  const at = legendPositions(legend.map((l) => l.name));
  legend.forEach((l, i) => {
    const x = at[i]!;
    const ly = H - 22;
    out.push(
      l.dashed
        ? `<line x1="${x}" x2="${x + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${l.color}" stroke-dasharray="5 3" stroke-width="1.5"/>`
        : `<rect x="${x}" y="${ly - 10}" width="18" height="10" fill="${l.color}"/>`,
    );
    out.push(`<text x="${x + 24}" y="${ly}">${esc(l.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface LineSeries {
  readonly name: string;
  /** One value per x; null leaves a gap. */
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  /** The x value of each point (e.g. minutes), ascending. */
  readonly x: readonly number[];
  readonly xLabel: string;
  /** Right end of the x axis; default: the last x. */
  readonly xMax?: number;
  readonly series: readonly LineSeries[];
  readonly yLabel: string;
  readonly yMax?: number;
  readonly format?: (value: number) => string;
}

/** Lines over a shared x axis (time series), as a standalone SVG string; added for the simulator (test/sim/). */
export function lineChart(chart: LineChart): string {
  const format = chart.format ?? ((v: number) => String(Math.round(v)));
  const all = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = chart.yMax ?? niceMax(Math.max(0, ...all));
  const x0 = chart.x[0] ?? 0;
  const x1 = chart.xMax ?? chart.x[chart.x.length - 1] ?? 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const px = (v: number) => PAD.left + ((v - x0) / Math.max(1e-9, x1 - x0)) * plotW;
  const py = (v: number) => PAD.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const out = chartOpening(chart.title, yMax, py, format);
  for (let i = 0; i <= 6; i++) {
    const v = x0 + ((x1 - x0) * i) / 6;
    out.push(`<text x="${px(v).toFixed(1)}" y="${PAD.top + plotH + 16}" text-anchor="middle" fill="#444444">${esc(String(Math.round(v * 10) / 10))}</text>`);
  }
  out.push(`<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 34}" text-anchor="middle" fill="#444444">${esc(chart.xLabel)}</text>`);
  out.push(`<text x="16" y="${PAD.top + plotH / 2}" transform="rotate(-90 16 ${PAD.top + plotH / 2})" text-anchor="middle" fill="#444444">${esc(chart.yLabel)}</text>`);
  for (const s of chart.series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      const x = chart.x[i];
      if (v === null || x === undefined || !Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)} ${py(v).toFixed(1)} `;
      pen = true;
    });
    out.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.name)}</title></path>`);
  }
  const at = legendPositions(chart.series.map((s) => s.name));
  chart.series.forEach((s, i) => {
    const x = at[i]!;
    const ly = H - 12;
    out.push(`<line x1="${x}" x2="${x + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${x + 24}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
